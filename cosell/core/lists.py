"""List pages: sorting by a whitelisted column, paging, and answering htmx with the table only.

A list page renders its full template for a normal request and only its list partial (plus the
flash messages, swapped out of band) when htmx asks, so filters, sorting and paging work with and
without JavaScript from the same view.
"""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

PAGE_SIZE = 50


def sort_queryset(
    queryset: QuerySet, request, columns: dict[str, str | tuple], default: str
) -> tuple[QuerySet, str]:
    """Order by ``?sort=key`` or ``-key`` when ``key`` is one of ``columns``; else ``default``.

    ``columns`` maps a public key to a field (or tuple of fields); "id" always breaks ties, so
    pages never overlap."""
    sort = request.GET.get("sort", "") or default
    key = sort.removeprefix("-")
    if key not in columns:
        sort, key = default, default.removeprefix("-")
    fields = columns[key]
    fields = fields if isinstance(fields, tuple) else (fields,)
    prefix = "-" if sort.startswith("-") else ""
    ordering = [f"{prefix}{field}" for field in fields] + [f"{prefix}id"]
    return queryset.order_by(*ordering), sort


def search_term(request) -> str:
    """``?q=``, trimmed; without NUL characters, which PostgreSQL refuses in a text query."""
    return request.GET.get("q", "").replace("\x00", "").strip()


def paginate(queryset, request, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def messages_oob(request) -> str:
    """The flash messages as an out-of-band swap for htmx responses."""
    return render_to_string("partials/messages.html", {"oob": True}, request=request)


def fragment(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """A partial template plus the pending flash messages (out of band)."""
    html = render_to_string(template, context, request=request) + messages_oob(request)
    return HttpResponse(html, status=status)


def render_list(request, template: str, partial: str, context: dict) -> HttpResponse:
    """The page, or only its list partial when htmx swaps the list in place."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return fragment(request, partial, context)
    return render(request, template, context)
