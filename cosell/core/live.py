"""Status fragments that a page polls (htmx, ``hx-trigger="every 10s"``), so a change the worker
applies (a lead expiring, an offer's co-sell status, a seller taking a lead) shows without a
reload. The page draws the fragment with a key of what it shows; the poll answers 204 while the
key is the same, and the fragment with ``HX-Refresh`` once it differs, so the whole page (its
forms included) is drawn anew."""

from django.http import HttpResponse
from django.shortcuts import render


def key(*parts) -> str:
    return "-".join("" if part is None else str(part) for part in parts)


def live_response(request, live_key: str, template: str, context: dict) -> HttpResponse:
    shown = request.GET.get("shown")
    htmx = bool(getattr(request, "htmx", False))
    if htmx and shown == live_key:
        return HttpResponse(status=204)
    response = render(request, template, context)
    if htmx and shown is not None:
        response["HX-Refresh"] = "true"
    return response
