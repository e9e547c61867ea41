from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import ShopLoginForm

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
]
