from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.login_limits import TooManyLoginAttempts, login_guard


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


class ShopLoginForm(_LoginLimitMixin, AuthenticationForm):
    pass


class AdminLoginForm(_LoginLimitMixin, AdminAuthenticationForm):
    pass
