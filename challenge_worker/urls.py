"""URL conf of the workers master process (``ROOT_URLCONF=challenge_worker.urls``).

Root-level paths as in docs/api.md ("The workers master's API"); a trailing slash is accepted too.
"""

from django.urls import re_path

from challenge_worker.apis import HeartbeatApi, JobCreateApi, JobDetailApi
from ticketseller.api.errors import json_not_found, json_server_error

urlpatterns = [
    re_path(r"^heartbeat/?$", HeartbeatApi.as_view(), name="master-heartbeat"),
    re_path(r"^jobs/?$", JobCreateApi.as_view(), name="master-job-create"),
    re_path(r"^jobs/(?P<job_id>[^/]+)/?$", JobDetailApi.as_view(), name="master-job-detail"),
]

handler404 = json_not_found
handler500 = json_server_error
