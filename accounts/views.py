from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import SignupForm
from accounts.services import user_register
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
