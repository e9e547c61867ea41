import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketseller.settings")

application = get_wsgi_application()


def _build_url_tables() -> None:
    """Django builds its table for reverse() on the first call in each language, in the
    request that makes it (a purchase's first poll once it is validated: a tenth of a second
    in a rush profile). Build them as the server starts."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            get_resolver().reverse_dict  # noqa: B018 (built on first access)


_build_url_tables()
