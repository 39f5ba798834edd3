"""The API's documented error responses and the CSV renderer, shared by every app."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import renderers

from cosell.core.api import ErrorSerializer

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, by field."),
    403: OpenApiResponse(ErrorSerializer, description="Not yours to do."),
    404: OpenApiResponse(ErrorSerializer, description="Not found or outside your reach."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="The current state does not allow this (``current_status`` says why), "
        "or a duplicate (``duplicate_of``).",
    ),
}


PRECONDITION = {
    412: OpenApiResponse(ErrorSerializer, description="Stale If-Match: reload and retry.")
}


IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description="The ETag you read; stale: 412"
)


class CsvRenderer(renderers.BaseRenderer):
    """Lets ``Accept: text/csv`` through to the export actions (which stream their own body)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data or "").encode()


CSV_RENDERERS = [renderers.JSONRenderer, CsvRenderer]


CSV_EXPORT = OpenApiResponse(
    OpenApiTypes.STR,
    description="CSV, UTF-8 with BOM, at most 5,000 rows; cells a spreadsheet would run as "
    "a formula start with a single quote.",
)
