"""DRF's token authentication, with the token and its user read by statements written once per
process (`ticketseller.statements`).

Every request that moves money or seats checks its token; building DRF's query (the token
joined to its user) with the ORM was a tenth of the web's CPU in a rush. The rules are DRF's:
an unknown token or an inactive user is a 401 with DRF's own (translated) messages.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import set_override
from rest_framework import authentication, exceptions

from ticketseller.statements import select


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        tokens = select(model, where=("key",)).instances(key)
        users = tokens and select(get_user_model(), where=("id",)).instances(tokens[0].user_id)
        if not users:  # no such token (a token's user cannot be gone: the row cascades)
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = tokens[0], users[0]
        model._meta.get_field("user").set_cached_value(token, user)  # as select_related does
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token


# The same "tokenAuth" scheme as DRF's class on the wire: one OpenAPI component, not a clash.
set_override(TokenAuthentication, "suppress_collision_warning", True)
