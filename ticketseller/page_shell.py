"""A page kept whole in the cache, with what belongs to one visitor put in per answer.

A catalogue page is the same for every visitor but for the menu (name, balance, links that
depend on permissions) and the CSRF tokens of its forms. The page is rendered once with
placeholders where those go, kept in the cache, and each answer fills the placeholders: the
menu's two fragments (`templates/_nav_links.html`, `_nav_account.html`) are rendered for the
visitor, the token is the visitor's own. Anything else in `base.html` that depends on the
visitor must be part of `shell_variant`, or it would be shared.

The placeholders carry a random part chosen per process, so no visitor's input can forge one.
The fragments themselves are kept per process under everything they show (`_fragment_key`):
rendering them was a fifth of a logged-in page, and a returning visitor's menu rarely changes.
"""

import uuid

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ticketseller.context_processors import menu_facts

_RANDOM = uuid.uuid4().hex
CSRF_SLOT = f"csrf-slot-{_RANDOM}"
_NAV_SLOTS = {"links": f"nav-links-slot-{_RANDOM}", "account": f"nav-account-slot-{_RANDOM}"}
_NAV_TEMPLATES = {"links": "_nav_links.html", "account": "_nav_account.html"}
# Rendered menu fragments, by `_fragment_key`; emptied when full (a few KB each).
_FRAGMENTS: dict[tuple, bytes] = {}
_FRAGMENTS_MAX = 2048


def shell_variant(request: HttpRequest) -> str:
    """What of the visitor changes the shell itself (it goes into the cache key)."""
    user = request.user
    if not user.is_authenticated:
        return "anonymous"  # the menu is the same for every anonymous visitor: kept in the shell
    return "staff" if user.is_staff else "user"


def shell_context(request: HttpRequest) -> dict:
    """Template context that renders the shell: placeholders instead of the visitor's parts."""
    context = {"csrf_token": CSRF_SLOT}
    if request.user.is_authenticated:
        context["nav_slots"] = {name: mark_safe(slot) for name, slot in _NAV_SLOTS.items()}
    return context


def shell_fill(body: bytes, request: HttpRequest) -> bytes:
    """The shell with this visitor's menu and CSRF token in place of the placeholders."""
    if request.user.is_authenticated:
        for name, slot in _NAV_SLOTS.items():
            body = body.replace(slot.encode(), _fragment(name, request))
    # After the menu: its log-out form holds a placeholder too.
    return body.replace(CSRF_SLOT.encode(), get_token(request).encode())


def _fragment(name: str, request: HttpRequest) -> bytes:
    key = _fragment_key(name, request)
    fragment = _FRAGMENTS.get(key)
    if fragment is None:
        context = {"csrf_token": CSRF_SLOT}  # the visitor's token goes in per answer
        fragment = render_to_string(_NAV_TEMPLATES[name], context, request=request).encode()
        if len(_FRAGMENTS) >= _FRAGMENTS_MAX:
            _FRAGMENTS.clear()
        _FRAGMENTS[key] = fragment
    return fragment


def _fragment_key(name: str, request: HttpRequest) -> tuple:
    """Everything the menu's fragments show: a fact they show that is missing here would
    stay stale for that visitor (never leak to another: the user's id is part of it)."""
    user, facts = request.user, menu_facts(request)
    return (
        name,
        get_language(),
        user.pk,
        user.get_username(),
        user.get_full_name(),
        user.is_staff,
        facts["wallet_balance"],
        bool(facts["can_check_in"]),
    )
