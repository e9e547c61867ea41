from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def shop(request: HttpRequest) -> dict:
    """What every page needs: the seller's name and, when logged in, the wallet balance and
    whether the menu offers the check-in page."""
    context = {"SELLER_NAME": settings.SELLER_NAME, "wallet_balance": None, "can_check_in": False}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context.update(menu_facts(request))
    return context


def menu_facts(request: HttpRequest) -> dict:
    """The logged-in menu's facts, once per request however many templates (a cached page's
    two fragments) show them; the permission only if something asks."""
    # Imported here: the project package must not depend on the apps at import time.
    from accounts.selectors import user_has_permission
    from wallet.selectors import wallet_balance_for_user

    if not hasattr(request, "_shop_menu"):
        user = request.user
        request._shop_menu = {
            "wallet_balance": wallet_balance_for_user(user=user),
            "can_check_in": SimpleLazyObject(
                lambda: user_has_permission(user=user, app_label="payments", codename="add_checkin")
            ),
        }
    return request._shop_menu
