from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.forms import AMBIGUOUS_EMAIL
from accounts.login_limits import login_guard
from accounts.selectors import login_email_is_ambiguous
from accounts.services import user_register, user_token
from ticketseller.api.errors import ErrorSerializer
from ticketseller.api.serializers import ModelSerializer, Serializer


class RegisterInputSerializer(Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class UserSerializer(ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email"]


class TokenSerializer(Serializer):
    token = serializers.CharField()


@extend_schema(
    tags=["auth"],
    request=RegisterInputSerializer,
    responses={201: UserSerializer, 400: OpenApiResponse(ErrorSerializer, "Invalid or taken.")},
)
class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LimitedAuthTokenSerializer(AuthTokenSerializer):
    """Failed password checks counted per account and per IP (accounts.login_limits)."""

    def validate(self, attrs):
        login = attrs.get("username", "")
        with login_guard(request=self.context["request"], username=login):
            try:
                return super().validate(attrs)
            except serializers.ValidationError:
                if login_email_is_ambiguous(login=login):
                    raise serializers.ValidationError(
                        AMBIGUOUS_EMAIL, code="ambiguous_email"
                    ) from None
                raise


@extend_schema(
    tags=["auth"],
    request=AuthTokenSerializer,
    responses={
        200: TokenSerializer,
        400: OpenApiResponse(ErrorSerializer, "Wrong credentials."),
        429: OpenApiResponse(ErrorSerializer, "Too many failed attempts: try again later."),
    },
)
class TokenApi(APIView):
    """Exchange a username (or the account's email) and password for the API token
    (`Authorization: Token <key>`). An email several accounts share is refused: use the
    username."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        data = LimitedAuthTokenSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        return Response({"token": user_token(user=data.validated_data["user"])})
