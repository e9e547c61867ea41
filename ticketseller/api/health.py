from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


@extend_schema(
    tags=["health"],
    responses={
        200: inline_serializer("Health", {"status": serializers.CharField()}),
        503: inline_serializer("Unhealthy", {"status": serializers.CharField()}),
    },
)
class HealthApi(APIView):
    """Liveness and database reachability, for load balancers and deploy checks."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:  # any database failure means "not healthy", whatever its type
            return Response({"status": "database unavailable"}, status=503)
        return Response({"status": "ok"})
