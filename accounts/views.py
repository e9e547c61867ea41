from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.forms import AccountForm, ShopPasswordChangeForm, SignupForm
from accounts.selectors import user_language
from accounts.services import account_update, user_register
from ticketseller.errors import ServiceError


def signup_view(request):
    if request.user.is_authenticated:
        return redirect("events:list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data.get("first_name", ""),
                last_name=form.cleaned_data.get("last_name", ""),
            )
        except ServiceError as exc:
            for field, errors in exc.details.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome, %(name)s! Your wallet is ready.") % {"name": user.username}
            )
            return redirect("wallet:detail")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def account_view(request):
    """Email and language for emails; links to change the password."""
    initial = {
        "email": request.user.email,
        "language": user_language(user=request.user, default=request.LANGUAGE_CODE),
    }
    form = AccountForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        try:
            account_update(user=request.user, email=form.cleaned_data["email"], language=language)
        except ServiceError as exc:
            for field, errors in exc.details.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            with translation.override(language):  # the pages switch to it too
                messages.success(request, _("Your account is saved."))
            response = redirect("account")
            response.set_cookie(  # as Django's language switcher sets it
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
            return response
    return render(request, "registration/account.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's (the session stays logged in); back to the account page with a message."""

    form_class = ShopPasswordChangeForm
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response
