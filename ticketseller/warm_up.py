"""What a fresh process would otherwise build inside its first request or job."""

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def url_tables_build() -> None:
    """Django builds its table for reverse() on the first call in each language, in the
    request or job that makes it (importing every URL module: a tenth of a second or more,
    in a rush profile a purchase's first poll once validated). Build them up front."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            get_resolver().reverse_dict  # noqa: B018 (built on first access)
