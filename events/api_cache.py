"""Cached, conditional GETs for the catalogue API (see events/catalogue_cache.py)."""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from rest_framework.authentication import SessionAuthentication

from events.catalogue_cache import Answer, answer_get, answer_set, catalogue_key, catalogue_version
from ticketseller.api.token_memory import RememberedTokenAuthentication


class CatalogueTokenAuthentication(RememberedTokenAuthentication):
    """The catalogue is public: who asks matters only to the per-user throttle, so a token
    is trusted for longer here. Looking it up on every read cost about as much as serving
    the cached answer itself."""

    memory_seconds = 30.0


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
