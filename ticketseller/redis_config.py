"""Redis client options that every process shares (web, jobs, clock, master, workers)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def redis_url_with_timeouts(
    url: str, *, connect_timeout: float, socket_timeout: float, health_check_interval: int
) -> str:
    """`url` with redis-py's timeout options in its query string.

    django-rq builds its clients from the URL alone, and redis-py reads these options from
    it. Options already in the URL win: an operator can tune one deployment by its URL.
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_connect_timeout", f"{connect_timeout:g}")
    query.setdefault("socket_timeout", f"{socket_timeout:g}")
    query.setdefault("health_check_interval", str(health_check_interval))
    return urlunsplit(parts._replace(query=urlencode(query)))
