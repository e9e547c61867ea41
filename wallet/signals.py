from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from wallet.services import wallet_create


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="wallet_for_new_user")
def create_wallet_for_new_user(sender, instance, created: bool, raw: bool = False, **kwargs):
    """Every user has a wallet from the start, however the user was created."""
    if created and not raw:
        wallet_create(user=instance)
