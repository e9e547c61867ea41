"""Log-in by email: the second authentication backend, after Django's ModelBackend.

ModelBackend checks a username as always (and keeps the sessions it made valid). When the
login is no username, this backend looks for the one account with that email; an email
several accounts share logs nobody in (accounts.selectors.login_email_is_ambiguous).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.selectors import user_for_login


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        login = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not login or password is None or "@" not in login:
            return None
        if User._default_manager.filter(**{User.USERNAME_FIELD: login.strip()}).exists():
            return None  # a username: ModelBackend has answered already
        user = user_for_login(login=login)
        if user is None:
            # Hash anyway: an unknown email takes as long as a wrong password (no probing).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
