"""The web's WSGI entry point, and the warm-up it shares with the workers."""

import importlib

from django.conf import settings
from django.urls import clear_url_caches, get_resolver

from ticketseller import warm_up


def test_the_url_tables_of_every_language_are_built_as_the_server_starts(monkeypatch):
    from ticketseller import wsgi

    built = []
    monkeypatch.setattr(warm_up, "url_tables_build", lambda: built.append(True))
    importlib.reload(wsgi)  # what starting the server runs

    assert built == [True]
    assert callable(wsgi.application)


def test_the_url_tables_of_every_language_are_built_up_front():
    clear_url_caches()  # a resolver that has built nothing yet
    assert not get_resolver()._reverse_dict

    warm_up.url_tables_build()

    assert set(get_resolver()._reverse_dict) == {code for code, _name in settings.LANGUAGES}
