from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def shop(request: HttpRequest) -> dict:
    """What every page needs: the seller's name and, when logged in, the wallet balance and
    whether the menu offers the check-in page."""
    context = {"SELLER_NAME": settings.SELLER_NAME, "wallet_balance": None, "can_check_in": False}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Imported here: the project package must not depend on the apps at import time.
        from accounts.selectors import user_has_permission
        from wallet.selectors import wallet_balance_for_user

        # The menu's facts, once per request however many templates (a cached page's two
        # fragments) show them; the permission only if a template asks.
        if not hasattr(request, "_shop_menu"):
            request._shop_menu = {
                "wallet_balance": wallet_balance_for_user(user=user),
                "can_check_in": SimpleLazyObject(
                    lambda: user_has_permission(
                        user=user, app_label="payments", codename="add_checkin"
                    )
                ),
            }
        context.update(request._shop_menu)
    return context
