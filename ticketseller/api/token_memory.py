"""Token authentication that remembers a token it has checked, for the API's frequent reads.

A page in a rush polls its place in the line and its purchase every half second; looking the
token up on each poll cost about a third of the poll. A view that opts in trusts a token this
process checked within `memory_seconds`: a revoked token or a deactivated user keeps that
view's reads for at most that long. Everything that moves money or seats checks the token on
every request (`ticketseller.api.token_auth`), and an unknown token is always a 401.
"""

import time

from drf_spectacular.drainage import set_override
from rest_framework.authentication import SessionAuthentication

from ticketseller.api.token_auth import TokenAuthentication

_MEMORY_SIZE = 10_000  # tokens per view class; past it the memory starts over


class RememberedTokenAuthentication(TokenAuthentication):
    memory_seconds: float  # set by each subclass
    _known: dict[str, tuple[float, tuple]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._known = {}  # each subclass remembers for its own length of time

    def authenticate_credentials(self, key):
        now = time.monotonic()
        known = self._known.get(key)
        if known is not None and known[0] > now:
            return known[1]
        result = super().authenticate_credentials(key)
        if len(self._known) >= _MEMORY_SIZE:
            self._known.clear()
        self._known[key] = (now + self.memory_seconds, result)
        return result

    @classmethod
    def forget_all(cls) -> None:
        """As if `memory_seconds` had passed (tests, and a deploy that revokes tokens)."""
        cls._known.clear()


# The same "tokenAuth" scheme as DRF's class on the wire: one OpenAPI component, not a clash.
set_override(RememberedTokenAuthentication, "suppress_collision_warning", True)


class PollTokenAuthentication(RememberedTokenAuthentication):
    """For the polls of a buyer's own line place and purchase: a few seconds of memory."""

    memory_seconds = 5.0


#: What a polled view sets as its `authentication_classes`.
POLL_AUTHENTICATION = [PollTokenAuthentication, SessionAuthentication]
