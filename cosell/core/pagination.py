"""API pagination.

Every list answers page-numbered pages by default: ``page``, ``page_size``, and a body with
``count``, ``next``, ``previous`` and ``results``. The large lists (opportunities, leads) also
answer keyset pages on request: ``?cursor=`` (empty for the first page) returns ``next`` and
``previous`` links that carry an opaque cursor, and no ``count``. A keyset page costs the same
at any depth and skips the count, where a page number counts every matching row and reads
every row before the page (OFFSET).
"""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class _KeysetPagination(pagination.CursorPagination):
    """DRF's cursor pagination on the queryset's own ordering (its first field is the position,
    the rest break ties)."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        ordering = tuple(queryset.query.order_by or queryset.model._meta.ordering)
        return ordering or ("-pk",)


class PageNumberOrCursorPagination(PageNumberPagination):
    """Page numbers with a count, or keyset pages when the request names ``cursor``."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self._keyset = None
        if self.cursor_query_param in request.query_params:
            self._keyset = _KeysetPagination()
            self._keyset.page_size = self.page_size
            return self._keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._keyset is not None:
            return self._keyset.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results"]
        response["properties"]["count"]["description"] = (
            "Every matching row; absent from keyset pages (``cursor``)."
        )
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Keyset pages: empty for the first page, then the cursor the "
                "``next`` or ``previous`` link carries. No ``count``; the same cost at any "
                "depth. Ignores ``page``.",
                "schema": {"type": "string"},
            },
        ]
