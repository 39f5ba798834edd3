"""Abuse limits shared by the apps: the client's address, counted rate limits, and the request
size cap checked from ``Content-Length`` before anything reads the body."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def client_address(request) -> str:
    """The client's address as ``DJANGO_PROXY_COUNT`` says: with no proxy, the peer address
    (a client-supplied ``X-Forwarded-For`` is ignored); with N proxies, the address the
    outermost of them saw (the N-th from the right of ``X-Forwarded-For``)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote


def over_limit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one event for ``key`` in ``scope``; True once more than ``limit`` happened within
    the window (a fixed window that starts with the first event)."""
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    name = f"limit:{scope}:{digest}"
    cache.add(name, 0, timeout=window_seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window_seconds)
        count = 1
    return count > limit


# What a multipart body carries beyond the file itself (boundaries, other fields).
MULTIPART_SLACK = 64 * 1024


def _cap_for(view_func) -> int | None:
    cap = getattr(view_func, "max_request_bytes", None)
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    if cap is None and view_class is not None:
        cap = getattr(view_class, "max_request_bytes", None)
        actions = getattr(view_func, "actions", None) or {}
        per_action = getattr(view_class, "max_request_bytes_by_action", {})
        for action in actions.values():
            cap = per_action.get(action, cap)
    return cap() if callable(cap) else cap


def max_request_bytes(cap):
    """Decorate a view: refuse requests whose ``Content-Length`` exceeds ``cap`` bytes (an int
    or a callable giving one)."""

    def decorate(view):
        view.max_request_bytes = cap
        return view

    return decorate


class RequestSizeMiddleware:
    """Refuse a request whose declared body is larger than its view accepts, before the body
    is read (list it before CsrfViewMiddleware, which reads form bodies). Views declare their
    cap (``max_request_bytes``); any other request may carry DATA_UPLOAD_MAX_MEMORY_SIZE plus
    the largest upload."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        cap = _cap_for(view_func)
        if cap is None:
            cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if request.content_type == "multipart/form-data":
                cap += settings.COSELL_MAX_UPLOAD_MB * 1024 * 1024
        if length <= cap:
            return None
        message = _("The request is too large: at most %(mb).1f MB.") % {"mb": cap / 1024 / 1024}
        field = "file" if request.content_type == "multipart/form-data" else "body"
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "status": 400,
                    "code": "too_large",
                    "detail": message,
                    "errors": {field: [message]},
                },
                status=400,
            )
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
