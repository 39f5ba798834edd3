"""Writes about endpoints: register, change, delete, rotate the secret."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit
from cosell.core.errors import ValidationFailed
from cosell.partners.models import Partner

from . import formats, keys, net
from .models import EventFormat, WebhookEndpoint

MAX_ENDPOINTS_PER_PARTNER = 20
# How long deliveries stay signed with the previous secret after a rotation.
ROTATION_GRACE = timedelta(hours=24)


def _clean_format(event_format) -> str:
    if event_format not in EventFormat.values:
        raise ValidationFailed(
            {"event_format": [_("Choose one of: %s.") % ", ".join(EventFormat.values)]}
        )
    return event_format


def clean_events(events, event_format: str = EventFormat.COSELL) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationFailed({"events": [_("Choose at least one event.")]})
    known = [code for code, _label in formats.events_for(event_format)]
    unknown = sorted({str(e) for e in events} - set(known))
    if unknown:
        raise ValidationFailed(
            {
                "events": [
                    _("Unknown event for the format %(format)s: %(event)s.")
                    % {"format": event_format, "event": ", ".join(unknown)}
                ]
            }
        )
    return [e for e in sorted(known) if e in set(events)]


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationFailed({"url": [_("Use at most 500 characters.")]})
    try:
        net.resolve(url)
    except net.UnsafeTarget as exc:
        raise ValidationFailed({"url": [str(exc)]}) from exc
    return url


def endpoint_create(
    *,
    partner: Partner,
    actor,
    url: str,
    events: list[str],
    is_active: bool = True,
    event_format: str = EventFormat.COSELL,
    now: datetime,
) -> WebhookEndpoint:
    """Register an endpoint; its secret is generated here and shown to the caller once."""
    event_format = _clean_format(event_format)
    url, events = _clean_url(url), clean_events(events, event_format)
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)  # serialises the count check
        if WebhookEndpoint.objects.filter(partner=partner).count() >= MAX_ENDPOINTS_PER_PARTNER:
            raise ValidationFailed(
                _("A partner can register at most %(count)d endpoints.")
                % {"count": MAX_ENDPOINTS_PER_PARTNER}
            )
        endpoint = WebhookEndpoint.objects.create(
            partner=partner,
            url=url,
            event_format=event_format,
            events=events,
            is_active=is_active,
            created_by=actor,
        )
        audit.record(
            endpoint,
            "created",
            actor=actor,
            at=now,
            extra={"url": url, "event_format": event_format, "events": events},
        )
    return endpoint


def endpoint_update(*, endpoint_id: int, actor, now: datetime, **changes) -> WebhookEndpoint:
    """Change an endpoint's url, event format, events or active flag; an unchanged call changes
    nothing. A new format needs events of that format (given with it, or already chosen)."""
    from .services import queue_due_for_endpoint

    unknown = set(changes) - {"url", "events", "is_active", "event_format"}
    if unknown:
        raise ValidationFailed({name: [_("This field cannot be changed.")] for name in unknown})
    if "url" in changes:
        changes["url"] = _clean_url(changes["url"])
    if "event_format" in changes:
        changes["event_format"] = _clean_format(changes["event_format"])
    if "is_active" in changes:
        changes["is_active"] = bool(changes["is_active"])
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        event_format = changes.get("event_format", endpoint.event_format)
        if "events" in changes or event_format != endpoint.event_format:
            changes["events"] = clean_events(changes.get("events", endpoint.events), event_format)
        before = {name: getattr(endpoint, name) for name in changes}
        changed = [name for name, value in changes.items() if before[name] != value]
        if not changed:
            return endpoint
        for name in changed:
            setattr(endpoint, name, changes[name])
        endpoint.save(update_fields=changed)
        audit.record(
            endpoint,
            "updated",
            actor=actor,
            at=now,
            extra={name: {"from": before[name], "to": changes[name]} for name in changed},
        )
        if "is_active" in changed and endpoint.is_active:
            # Deliveries that waited while it was off are due again.
            transaction.on_commit(lambda: queue_due_for_endpoint(endpoint.pk, now), robust=True)
    return endpoint


def endpoint_delete(*, endpoint_id: int, actor, now: datetime) -> None:
    """Delete an endpoint with its deliveries and their attempts."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        audit.record(endpoint, "deleted", actor=actor, at=now, extra={"url": endpoint.url})
        endpoint.delete()


def endpoint_rotate_secret(
    *, endpoint_id: int, actor, now: datetime, keep_previous: bool = True
) -> WebhookEndpoint:
    """Give the endpoint a new secret (shown to the caller once).

    With ``keep_previous`` deliveries are signed with both secrets for ``ROTATION_GRACE``, so the
    receiver can switch without losing events; without it the old secret stops at once (a
    leaked secret). Each call is a new rotation: there is no "already rotated" state to return.
    """
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        previous = endpoint.cosell_signing_secret
        endpoint.secret, endpoint.legacy_secret = keys.generate_secret(), ""
        if keep_previous:
            endpoint.previous_secret = previous
            endpoint.previous_secret_expires_at = now + ROTATION_GRACE
        else:
            endpoint.previous_secret, endpoint.previous_secret_expires_at = "", None
        endpoint.secret_rotated_at = now
        endpoint.save(
            update_fields=[
                "secret",
                "legacy_secret",
                "previous_secret",
                "previous_secret_expires_at",
                "secret_rotated_at",
            ]
        )
        audit.record(
            endpoint,
            "secret_rotated",
            actor=actor,
            at=now,
            extra={
                "previous_valid_until": endpoint.previous_secret_expires_at.isoformat()
                if keep_previous
                else None
            },
        )
    return endpoint
