from django.conf import settings
from django.http import HttpRequest


def shop(request: HttpRequest) -> dict:
    """What every page needs: the seller's name and, when logged in, the wallet balance."""
    balance = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Imported here: the project package must not depend on the apps at import time.
        from wallet.selectors import wallet_balance_for_user

        balance = wallet_balance_for_user(user=user)
    return {"SELLER_NAME": settings.SELLER_NAME, "wallet_balance": balance}
