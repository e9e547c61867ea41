"""The web's WSGI entry point."""

from django.conf import settings
from django.urls import clear_url_caches, get_resolver


def test_the_url_tables_of_every_language_are_built_as_the_server_starts():
    from ticketseller import wsgi

    clear_url_caches()  # a resolver that has built nothing yet
    assert not get_resolver()._reverse_dict

    wsgi._build_url_tables()

    assert set(get_resolver()._reverse_dict) == {code for code, _name in settings.LANGUAGES}
    assert callable(wsgi.application)
