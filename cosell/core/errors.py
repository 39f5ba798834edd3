"""Domain errors shared by every app; the API maps them to HTTP status codes."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request the domain refuses. ``code`` is stable for API clients."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str = "", **extra):
        super().__init__(message)
        self.message = str(message)
        self.extra = extra


class InvalidTransition(DomainError):
    """A state move the object's current state does not allow (HTTP 409)."""

    code = "invalid_transition"
    http_status = 409

    def __init__(self, obj=None, *, to: str = "", message: str = "", **extra):
        current = getattr(obj, "status", "") if obj is not None else ""
        if not message:
            message = _("Cannot move from “%(current)s” to “%(to)s”.") % {
                "current": current,
                "to": to,
            }
        super().__init__(message, current_status=str(current), **extra)
        self.obj = obj
        self.to = to


class Conflict(DomainError):
    """The request conflicts with other data (HTTP 409)."""

    code = "conflict"
    http_status = 409


class PreconditionFailed(DomainError):
    """A stale ``If-Match`` (HTTP 412)."""

    code = "precondition_failed"
    http_status = 412


class ValidationFailed(DomainError):
    """Input the domain rejects, by field (HTTP 400)."""

    code = "invalid"
    http_status = 400

    def __init__(self, errors: dict[str, list[str]] | str, **extra):
        if isinstance(errors, str):
            errors = {"non_field_errors": [errors]}
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}
        first = next(iter(self.errors.values()))[0]
        super().__init__(first, **extra)
