from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import ShopLoginForm, ShopPasswordResetForm, ShopSetPasswordForm

urlpatterns = [
    path("signup/", views.signup_view, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=ShopLoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.account_view, name="account"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    # Django's reset flow with our templates; names as Django's, which its views reverse.
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=ShopPasswordResetForm,
            email_template_name="emails/password_reset.txt",
            html_email_template_name="emails/password_reset.html",
            subject_template_name="emails/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=ShopSetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
