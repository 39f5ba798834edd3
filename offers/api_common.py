"""What the offers API's endpoints share: the documented errors and the permission check."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import PermissionDenied

from cosell.core.api import ErrorSerializer

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=_("Invalid input, by field.")),
    403: OpenApiResponse(ErrorSerializer, description=_("You may see this but not change it.")),
    404: OpenApiResponse(ErrorSerializer, description=_("Not found or outside your reach.")),
    409: OpenApiResponse(ErrorSerializer, description=_("The state does not allow this move.")),
}


READ_ERRORS = {404: ERRORS[404]}


def error_responses(*codes):
    return {code: ERRORS[code] for code in codes}


def require_perm(request, perm: str, obj) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied()
