"""The workers master's REST API (its own process, `challenge_worker.urls`).

Open when ``settings.MASTER_API_TOKEN`` is empty (development); otherwise every call needs
``Authorization: Bearer <token>`` and gets 401 without it. Not throttled: its only clients
are the shop's own processes. Errors have the project's shape.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from redis.exceptions import RedisError
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from challenge_worker.errors import MasterUnavailable
from challenge_worker.selectors import challenges_queue_depth, master_job_detail, workers_alive
from challenge_worker.services import (
    DEFAULT_MAX_SECRET,
    MAX_CHALLENGES,
    MAX_MAX_SECRET,
    master_job_create,
)
from ticketseller.api.errors import ErrorSerializer
from ticketseller.api.serializers import Serializer

_MASTER = "master-token"


class MasterTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <MASTER_API_TOKEN>``; a wrong token is a 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        expected = settings.MASTER_API_TOKEN
        if not expected:
            return None
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme != self.keyword or not hmac.compare_digest(
            token.strip().encode(), expected.encode()
        ):
            raise exceptions.AuthenticationFailed("Invalid master token.")
        return AnonymousUser(), _MASTER

    def authenticate_header(self, request):
        return self.keyword


class MasterTokenRequired(BasePermission):
    """AllowAny while no token is configured; then only requests that carried it."""

    def has_permission(self, request, view):
        return not settings.MASTER_API_TOKEN or request.auth == _MASTER


class MasterApi(APIView):
    authentication_classes = [MasterTokenAuthentication]
    permission_classes = [MasterTokenRequired]
    throttle_classes = []


# --- Serializers ------------------------------------------------------------------------------


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer; refuses booleans, floats and strings."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ChallengeIdField(serializers.Field):
    """A JSON integer or a non-empty string (at most 100 characters), kept as sent."""

    default_error_messages = {"invalid": "Must be an integer or a non-empty string."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, str) and not 1 <= len(data.strip()) == len(data) <= 100:
            self.fail("invalid")
        if isinstance(data, int) and len(str(data)) > 100:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class ChallengeInSerializer(Serializer):
    challenge_id = ChallengeIdField()
    challenge_hash = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        error_messages={"invalid": "Must be a SHA-256 digest: 64 lower-case hex characters."},
    )


class JobCreateInSerializer(Serializer):
    deposit_token = serializers.CharField(max_length=200)
    challenges = ChallengeInSerializer(many=True, allow_empty=False, max_length=MAX_CHALLENGES)
    max_secret = StrictIntegerField(
        min_value=1, max_value=MAX_MAX_SECRET, default=DEFAULT_MAX_SECRET, required=False
    )
    reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text="Opaque to the master (e.g. the purchase id); echoed in the callback.",
    )  # fmt: skip

    def validate_challenges(self, value):
        ids = [str(c["challenge_id"]) for c in value]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("challenge_id values must be unique.")
        return value


class JobCreatedSerializer(Serializer):
    job_id = serializers.UUIDField()
    status = serializers.CharField()


class ChallengeOutSerializer(Serializer):
    challenge_id = ChallengeIdField()
    status = serializers.CharField()
    secret = serializers.IntegerField(allow_null=True)
    tried = serializers.IntegerField()
    shards = serializers.IntegerField()


class JobDetailSerializer(Serializer):
    job_id = serializers.UUIDField()
    status = serializers.CharField()
    reference = serializers.CharField()
    challenges = ChallengeOutSerializer(many=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


_HEARTBEAT = inline_serializer(
    "MasterHeartbeat",
    {
        "status": serializers.CharField(),
        "workers": serializers.IntegerField(),
        "queued": serializers.IntegerField(),
        "busy": serializers.IntegerField(),
        "workers_detail": serializers.ListField(child=serializers.DictField()),
    },
)
_AUTH_ERRORS = {401: ErrorSerializer}


# --- Views ------------------------------------------------------------------------------------


@extend_schema(tags=["master"], responses={200: _HEARTBEAT, 503: _HEARTBEAT, **_AUTH_ERRORS})
class HeartbeatApi(MasterApi):
    """Is any worker alive? ``503`` (same fields, status "unavailable") when none is."""

    def get(self, request):
        try:
            workers = workers_alive()
            queued = challenges_queue_depth()
        except RedisError:
            workers, queued = [], 0
        body = {
            "status": "ok" if workers else "unavailable",
            "workers": len(workers),
            "queued": queued,
            "busy": sum(1 for w in workers if w.busy),
            "workers_detail": [
                {"name": w.name, "backend": w.backend, "rate": w.rate, "busy": w.busy}
                for w in workers
            ],
        }
        response = Response(body, status=status.HTTP_200_OK if workers else 503)
        # "No worker alive" is a state the web polls for, not a server error: keep Django
        # from logging every such poll at ERROR level.
        response._has_been_logged = not workers
        return response


@extend_schema(
    tags=["master"],
    request=JobCreateInSerializer,
    responses={
        201: JobCreatedSerializer,
        200: OpenApiResponse(JobCreatedSerializer, "The same deposit token again."),
        400: ErrorSerializer,
        409: OpenApiResponse(ErrorSerializer, "Deposit token reused with other challenges."),
        503: ErrorSerializer,
        **_AUTH_ERRORS,
    },
)
class JobCreateApi(MasterApi):
    """Record a job and queue its challenges; the same deposit token again answers 200."""

    def post(self, request):
        data = JobCreateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job, created = master_job_create(**data.validated_data)
        except RedisError as exc:
            raise MasterUnavailable() from exc
        return Response(
            {"job_id": str(job.pk), "status": job.status},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["master"], responses={200: JobDetailSerializer, 404: ErrorSerializer, **_AUTH_ERRORS}
)
class JobDetailApi(MasterApi):
    """A job and its challenges (aggregated over their shards)."""

    def get(self, request, job_id: str):
        return Response(JobDetailSerializer(master_job_detail(job_id=job_id)).data)
