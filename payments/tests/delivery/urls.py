"""The project's URLs plus delivery's, until `ticketseller/urls.py` includes them.

`admin.site.urls` is built again here, after `payments.delivery.admin` registered its models
(the project's URLconf may have been imported, and its admin URLs frozen, before that).
"""

from django.contrib import admin
from django.urls import include, path

import payments.delivery.admin  # noqa: F401  (registers the delivery models)
from ticketseller.urls import handler404, handler500  # noqa: F401
from ticketseller.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("", include("payments.delivery.urls"))]
for pattern in project_urlpatterns:
    if str(pattern.pattern) == "admin/":
        pattern = path("admin/", admin.site.urls)
    urlpatterns.append(pattern)
