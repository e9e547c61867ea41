"""Error pages: JSON in the API's error shape under /api/, HTML everywhere else."""

from django.http import JsonResponse
from django.views import defaults

from ticketseller.api.errors import json_not_found, json_server_error


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _is_api(request):
        return json_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return json_server_error(request)
    return defaults.server_error(request)


def bench_constant_json(request):
    """The benchmarks' baseline: what the stack costs before any work of ours."""
    return JsonResponse({"ok": True, "events": []})
