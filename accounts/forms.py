from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.login_limits import TooManyLoginAttempts, login_guard
from accounts.reset_limits import password_reset_allowed
from accounts.selectors import login_email_is_ambiguous, user_language
from accounts.services import user_token_revoke


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), help_text=_("Your tickets are sent here."))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email", "first_name", "last_name"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email


class _LoginLimitMixin:
    """Counts failed password checks per account and per IP (accounts.login_limits);
    past the limit the form says so, without checking the password."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if not (username and self.cleaned_data.get("password")) or self.request is None:
            return super().clean()
        try:
            with login_guard(request=self.request, username=username):
                return super().clean()
        except TooManyLoginAttempts as exc:
            raise forms.ValidationError(exc.message, code="too_many_attempts") from None

    def get_invalid_login_error(self):
        if login_email_is_ambiguous(login=self.cleaned_data.get("username", "")):
            return forms.ValidationError(AMBIGUOUS_EMAIL, code="ambiguous_email")
        return super().get_invalid_login_error()


AMBIGUOUS_EMAIL = _("Several accounts use this email: log in with your username.")


class ShopLoginForm(_LoginLimitMixin, AuthenticationForm):
    """Username or email (accounts.backends.EmailBackend), and the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Enter a correct username or email and password."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"] = forms.CharField(
            label=_("Username or email"),
            max_length=254,  # an email may be longer than a username
            widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
        )


class AdminLoginForm(_LoginLimitMixin, AdminAuthenticationForm):
    pass


class AccountForm(forms.Form):
    """The account page: email and language for emails; a new email needs the password
    (whoever controls the email can reset the password)."""

    email = forms.EmailField(label=_("Email"), help_text=_("Your tickets are sent here."))
    language = forms.ChoiceField(
        label=_("Language for emails"),
        choices=settings.LANGUAGES,
        help_text=_("Tickets, refunds and password resets are written in this language."),
    )
    current_password = forms.CharField(
        label=_("Current password"),
        required=False,
        strip=False,
        help_text=_("Needed only to change your email."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email = (cleaned.get("email") or "").strip().lower()
        changed = bool(email) and email != self.user.email.lower()
        if changed and not self.user.check_password(cleaned.get("current_password") or ""):
            self.add_error(
                "current_password", _("Enter your current password to change your email.")
            )
        return cleaned


class ShopPasswordResetForm(PasswordResetForm):
    """Django's reset form; each message is written in its account's language for emails
    (else the language of the page the reset was asked from) and links to SITE_URL.
    Limited per address and per IP (accounts.reset_limits): past it, nothing is sent."""

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"]
        if request is not None and not password_reset_allowed(request=request, email=email):
            return
        super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context = {
            **context,
            "site_url": settings.SITE_URL.rstrip("/"),
            "seller_name": settings.SELLER_NAME,
        }
        language = user_language(user=context["user"], default=translation.get_language())
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class _RevokeTokenMixin:
    """A new password also ends the API token: whoever changes a password because someone
    else may know it expects every way in to close (sessions end by Django's own hash)."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            user_token_revoke(user=user)
        return user


class ShopSetPasswordForm(_RevokeTokenMixin, SetPasswordForm):
    pass


class ShopPasswordChangeForm(_RevokeTokenMixin, PasswordChangeForm):
    pass
