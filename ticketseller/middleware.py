from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ShopLocaleMiddleware(LocaleMiddleware):
    """Pages speak Spanish unless the visitor picked another language with the switcher.

    A shop in Chile should not turn English because a browser says ``Accept-Language: en``;
    only the language cookie (set by the switcher) changes it. API clients are programs that
    ask for a language explicitly, so under /api/ Django's usual negotiation applies.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        try:
            language = translation.get_supported_language_variant(chosen)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None
