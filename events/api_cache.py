"""Cached, conditional GETs for the catalogue API (see events/catalogue_cache.py)."""

import time

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from events.catalogue_cache import Answer, answer_get, answer_set, catalogue_key, catalogue_version

#: How long this process trusts a token it has looked up, for the catalogue's reads only.
TOKEN_MEMORY_SECONDS = 30.0
_TOKEN_MEMORY_SIZE = 10_000


class CatalogueTokenAuthentication(TokenAuthentication):
    """Token authentication that remembers a valid token for a few seconds in this process.

    The catalogue is public: who asks matters only to the per-user throttle. Looking the token
    up on every read cost about as much as serving the cached answer itself. A revoked token or
    a deactivated user keeps reading the public catalogue for at most TOKEN_MEMORY_SECONDS;
    every other endpoint checks the token on each request. An unknown token is still a 401.
    """

    _known: dict[str, tuple[float, tuple]] = {}

    def authenticate_credentials(self, key):
        now = time.monotonic()
        known = self._known.get(key)
        if known is not None and known[0] > now:
            return known[1]
        result = super().authenticate_credentials(key)
        if len(self._known) >= _TOKEN_MEMORY_SIZE:
            self._known.clear()
        self._known[key] = (now + TOKEN_MEMORY_SECONDS, result)
        return result


class CatalogueCachedApiMixin:
    """A JSON 200 answer is rendered once per catalogue version and query, for every client,
    and carries a strong ETag; `If-None-Match` with that ETag gets a 304.

    The answers hold no per-user data (they are the same with or without a token), so one copy
    serves everyone. Other formats (the browsable API) and errors take the usual path.
    """

    authentication_classes = [CatalogueTokenAuthentication, SessionAuthentication]
    catalogue_version: str | None = None

    def get(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "json":
            return super().get(request, *args, **kwargs)
        self.catalogue_version = catalogue_version()
        key = None
        if self.catalogue_version is not None:
            key = catalogue_key(
                "api",
                self.catalogue_version,
                request.build_absolute_uri(request.path),  # links in the answer name the host
                sorted(request.query_params.lists()),
                request.accepted_media_type,  # "; indent=4" changes the body
            )
        answer = answer_get(key)
        if answer is None:
            response = super().get(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            renderer = request.accepted_renderer
            body = renderer.render(
                response.data, request.accepted_media_type, self.get_renderer_context()
            )
            answer = Answer.of(body)
            answer_set(key, answer)
        fresh = HttpResponse(answer.body, content_type=request.accepted_renderer.media_type)
        fresh["ETag"] = answer.etag
        return get_conditional_response(request._request, etag=answer.etag, response=fresh)
