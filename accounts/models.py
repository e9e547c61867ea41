from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountProfile(models.Model):
    """What a person sets on the account page beyond Django's user.

    Other apps read it through the user (`user.account_profile`), never by importing this
    module: payments may not import accounts (docs/architecture.md), but its emails speak
    the language chosen here.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_profile",
        verbose_name=_("user"),
    )
    # Blank until the person chooses: emails then follow the language of the site they used.
    language = models.CharField(
        _("language for emails"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("account profile")
        verbose_name_plural = _("account profiles")

    def __str__(self) -> str:
        return str(self.user)
