"""API plumbing: token authentication, pagination, one error shape, token login."""

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import clock
from .errors import DomainError, ValidationFailed
from .services import api_token_create
from .throttling import ScopedRateThrottle


def _error_body(status_code: int, code: str, detail: str, errors=None, **extra) -> dict:
    body = {"status": status_code, "code": code, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v not in (None, "")})
    return body


def exception_handler(exc, context):
    """One error shape for every API error:
    ``{"status", "code", "detail", "errors": {field: [messages]}, ...}``."""
    if isinstance(exc, ValidationFailed):
        return Response(
            _error_body(400, exc.code, exc.message, exc.errors, **exc.extra), status=400
        )
    if isinstance(exc, DomainError):
        return Response(
            _error_body(exc.http_status, exc.code, exc.message, **exc.extra),
            status=exc.http_status,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            _error_body(400, "too_large", str(exc) or str(TOO_LARGE), {"body": [str(TOO_LARGE)]}),
            status=400,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        if isinstance(data, list):
            data = {"non_field_errors": data}
        errors = flatten_errors(data)
        first_field = next(iter(errors), "")
        detail = (
            f"{first_field}: {errors[first_field][0]}" if first_field else str(_("Invalid input."))
        )
        response.data = _error_body(response.status_code, "invalid", detail, errors)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        errors = {"body": [str(detail)]} if isinstance(exc, exceptions.ParseError) else None
        response.data = _error_body(response.status_code, str(code), str(detail), errors)
    return response


TOO_LARGE = _("The request body is larger than the server accepts.")


def flatten_errors(data, prefix: str = "") -> dict[str, list[str]]:
    """Validation errors as ``{field: [messages]}``; nested serializers' errors get dotted
    names (``solutions.0.name``), a list field's items the field's name, so no Python repr ever
    reaches ``detail``."""
    errors: dict[str, list[str]] = {}

    def walk(value, name: str) -> None:
        if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
            # A list field's items (``{index: [messages]}``) name the field; a list of nested
            # objects (``{index: {field: [messages]}}``) names the item and its field.
            for index, child in value.items():
                walk(child, f"{name}.{index}" if isinstance(child, dict) else name)
        elif isinstance(value, dict):
            for key, child in value.items():
                walk(child, f"{name}.{key}" if name else str(key))
        elif isinstance(value, list):
            if all(not isinstance(item, (dict, list)) for item in value):
                errors.setdefault(name or "non_field_errors", []).extend(str(m) for m in value)
            else:
                for index, child in enumerate(value):
                    if child:
                        walk(child, f"{name}.{index}" if name else str(index))
        else:
            errors.setdefault(name or "non_field_errors", []).append(str(value))

    walk(data, prefix)
    return errors


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/v1/ answer in the API's error shape, not the HTML page."""
    return JsonResponse(_error_body(404, "not_found", str(_("Not found."))), status=404)


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "status": serializers.IntegerField(),
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=100, default="API")


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenLoginSerializer,
        responses={
            201: inline_serializer("Token", {"token": serializers.CharField()}),
            400: ErrorSerializer,
            429: ErrorSerializer,
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            raise exceptions.Throttled(detail=_("Too many failed logins. Try again later."))
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with these credentials.")]}
            )
        # The token service: the cap of active tokens and the audit event, as on the page.
        _token, raw = api_token_create(
            user=user, name=serializer.validated_data["name"], now=clock.now()
        )
        return Response({"token": raw}, status=status.HTTP_201_CREATED)
