from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.forms import AdminLoginForm
from events import views as event_views
from ticketseller import views
from ticketseller.admin_mixins import superuser_required

admin.site.site_header = settings.SELLER_NAME
admin.site.site_title = settings.SELLER_NAME
admin.site.login_form = AdminLoginForm  # failed log-ins limited per account and per IP

# The queues dashboard (it can empty queues and delete jobs): superusers only, stats included.
_rq_urls = [
    re_path(p.pattern.regex.pattern, superuser_required(p.callback), name=p.name)
    for p in get_api_urlpatterns()
] + get_admin_urlpatterns(view_wrapper=superuser_required)

urlpatterns = [
    path("", event_views.event_list_view, name="home"),
    path("events/", include("events.urls")),
    path("wallet/", include("wallet.urls")),
    path("purchases/", include("payments.urls")),
    path("", include("payments.delivery.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/rq/", include((_rq_urls, "django_rq"))),
    path("admin/", admin.site.urls),
    path("api/", RedirectView.as_view(pattern_name="api-docs", permanent=False)),
    path("api/v1/", include("ticketseller.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api-auth/", include("rest_framework.urls")),
]

if settings.BENCH_ENDPOINTS:  # bench/catalogue.py's baseline; off unless asked for
    urlpatterns.append(path("bench/constant/", views.bench_constant_json))

handler404 = views.page_not_found
handler500 = views.server_error
