from django import template

register = template.Library()


def format_clp(amount: int | None) -> str:
    """Chilean pesos the Chilean way: ``$25.000``, ``-$1.500`` (no minor unit)."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(int(amount)):,}".replace(",", ".")


register.filter("clp", format_clp)
