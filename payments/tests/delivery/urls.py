"""The project's URLs plus delivery's, until `ticketseller/urls.py` includes them."""

from django.urls import include, path

import payments.delivery.admin  # noqa: F401  (registers the admin before admin.site.urls)
from ticketseller.urls import handler404, handler500, urlpatterns as project_urlpatterns  # noqa: F401

urlpatterns = [path("", include("payments.delivery.urls")), *project_urlpatterns]
