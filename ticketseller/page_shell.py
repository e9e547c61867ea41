"""A page kept whole in the cache, with what belongs to one visitor put in per answer.

A catalogue page is the same for every visitor but for the menu (name, balance, links that
depend on permissions) and the CSRF tokens of its forms. The page is rendered once with
placeholders where those go, kept in the cache, and each answer fills the placeholders: the
menu's two fragments (`templates/_nav_links.html`, `_nav_account.html`) are rendered for the
visitor, the token is the visitor's own. Anything else in `base.html` that depends on the
visitor must be part of `shell_variant`, or it would be shared.

The placeholders carry a random part chosen per process, so no visitor's input can forge one.
"""

import uuid

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

_RANDOM = uuid.uuid4().hex
CSRF_SLOT = f"csrf-slot-{_RANDOM}"
_NAV_SLOTS = {"links": f"nav-links-slot-{_RANDOM}", "account": f"nav-account-slot-{_RANDOM}"}
_NAV_TEMPLATES = {"links": "_nav_links.html", "account": "_nav_account.html"}


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
            fragment = render_to_string(_NAV_TEMPLATES[name], request=request)
            body = body.replace(slot.encode(), fragment.encode())
    # After the menu: its log-out form holds a token of its own, never a placeholder.
    return body.replace(CSRF_SLOT.encode(), get_token(request).encode())
