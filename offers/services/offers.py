"""Creating and editing offers, the facts Microsoft measures, and technical validation.

A partner keeps what describes its offer (``EDITABLE_FIELDS``). What Microsoft measures
(``MEASURED_FIELDS``: listing state, transactable, paid plan, billed marketplace revenue, ISV
Connect enrollment) and the technical validation result are set by the portal's administrators,
never self-certified: a partner submits its offer for technical validation and an administrator
passes or fails it.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit, effects
from cosell.core.errors import InvalidTransition, ValidationFailed
from cosell.partners.models import Partner, SolutionArea

from .. import tasks
from ..models import Offer

# What a partner may set on an offer; status and badge fields belong to the engine.
EDITABLE_FIELDS = (
    "name",
    "offer_type",
    "solution_type",
    "solution_areas",
    "is_office_add_in",
)
# Facts Microsoft measures: the portal's administrators set them (or import them).
MEASURED_FIELDS = (
    "listing_state",
    "transactable",
    "has_paid_plan",
    "billed_revenue_12m_usd",
    "isv_connect_enrolled",
)

TV = Offer.TechnicalValidation


def queue_evaluation(offer_id: int, *, actor=None, cause: str = "") -> None:
    """Re-evaluate the offer's co-sell status once the current transaction commits."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    effects.queue(tasks.offer_status_evaluate_task, offer_id, actor_id=actor_id, cause=cause)


def _clean(offer: Offer, fields: dict, allowed=EDITABLE_FIELDS) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed(
            {name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    errors: dict[str, list[str]] = {}
    if "solution_areas" in fields:
        areas = fields["solution_areas"]
        if not isinstance(areas, list | tuple) or any(a not in SolutionArea.values for a in areas):
            errors["solution_areas"] = [
                _("Choose solution areas from: %(codes)s.")
                % {"codes": ", ".join(SolutionArea.values)}
            ]
        else:
            fields["solution_areas"] = list(dict.fromkeys(areas))
    if "billed_revenue_12m_usd" in fields:
        try:
            fields["billed_revenue_12m_usd"] = Decimal(str(fields["billed_revenue_12m_usd"]))
        except (InvalidOperation, ValueError):
            errors["billed_revenue_12m_usd"] = [_("Enter a number.")]
    for name, value in fields.items():
        if name not in errors:
            setattr(offer, name, value)
    try:
        offer.full_clean(exclude=["partner", "solution_areas", *errors])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)


def offer_create(*, partner: Partner, actor, now: datetime, **fields) -> Offer:
    """Create an offer of ``partner``; its co-sell status is evaluated after commit.

    Measured facts start at their defaults (a draft, listing-only offer); administrators set
    them with ``offer_facts_set``.
    """
    offer = Offer(partner=partner)
    _clean(offer, fields)
    with transaction.atomic():
        offer.save()
        audit.record(offer, "created", actor=actor, at=now, extra={"name": offer.name})
        queue_evaluation(offer.pk, actor=actor, cause="created")
    return offer


def _update(*, offer_id: int, actor, now: datetime, changes: dict, allowed, verb: str) -> Offer:
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        before = {name: getattr(offer, name) for name in changes if name in allowed}
        _clean(offer, dict(changes), allowed)
        changed = [name for name in before if before[name] != getattr(offer, name)]
        if not changed:
            return offer
        offer.save(update_fields=[*changed, "updated_at"])
        audit.record(
            offer,
            verb,
            actor=actor,
            at=now,
            extra={
                name: {"from": str(before[name]), "to": str(getattr(offer, name))}
                for name in changed
            },
        )
        queue_evaluation(offer.pk, actor=actor, cause=verb)
    return offer


def offer_update(*, offer_id: int, actor, now: datetime, **changes) -> Offer:
    """Change what a partner keeps on an offer; re-evaluates after commit when anything changed."""
    return _update(
        offer_id=offer_id,
        actor=actor,
        now=now,
        changes=changes,
        allowed=EDITABLE_FIELDS,
        verb="updated",
    )


def offer_facts_set(*, offer_id: int, actor, now: datetime, **facts) -> Offer:
    """Record facts Microsoft measures on an offer (administrators only: views, the API and the
    admin ask ``offers.set_measured_facts`` first); audited as ``facts_changed``."""
    return _update(
        offer_id=offer_id,
        actor=actor,
        now=now,
        changes=facts,
        allowed=MEASURED_FIELDS,
        verb="facts_changed",
    )


def _validation_move(
    *, offer_id: int, to: str, sources: tuple, actor, now: datetime, verb: str
) -> Offer:
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        old = offer.technical_validation
        if old == to:
            return offer
        if old not in sources:
            raise InvalidTransition(
                offer,
                to=to,
                message=_("Technical validation cannot move from “%(from)s” to “%(to)s”.")
                % {"from": TV(old).label, "to": TV(to).label},
            )
        offer.technical_validation = to
        offer.save(update_fields=["technical_validation", "updated_at"])
        audit.record(offer, verb, frm=old, to=to, actor=actor, at=now)
        queue_evaluation(offer.pk, actor=actor, cause="technical_validation")
    return offer


def offer_technical_validation_submit(*, offer_id: int, actor, now: datetime) -> Offer:
    """The partner submits its offer for technical validation (not submitted or failed ->
    pending); submitting a pending offer again returns it unchanged."""
    return _validation_move(
        offer_id=offer_id,
        to=TV.PENDING,
        sources=VALIDATION_SOURCES[TV.PENDING],
        actor=actor,
        now=now,
        verb="technical_validation_submitted",
    )


def offer_technical_validation_pass(*, offer_id: int, actor, now: datetime) -> Offer:
    """An administrator passes a pending (or earlier failed) technical validation."""
    return _validation_move(
        offer_id=offer_id,
        to=TV.PASSED,
        sources=VALIDATION_SOURCES[TV.PASSED],
        actor=actor,
        now=now,
        verb="technical_validation_passed",
    )


def offer_technical_validation_fail(*, offer_id: int, actor, now: datetime) -> Offer:
    """An administrator fails a pending (or earlier passed) technical validation."""
    return _validation_move(
        offer_id=offer_id,
        to=TV.FAILED,
        sources=VALIDATION_SOURCES[TV.FAILED],
        actor=actor,
        now=now,
        verb="technical_validation_failed",
    )


# The moves technical validation allows: target -> states it may come from.
VALIDATION_SOURCES: dict[str, tuple[str, ...]] = {
    TV.PENDING: (TV.NOT_SUBMITTED, TV.FAILED),
    TV.PASSED: (TV.PENDING, TV.FAILED),
    TV.FAILED: (TV.PENDING, TV.PASSED),
}


def technical_validation_allowed(frm: str, to: str) -> bool:
    """Whether technical validation may move from ``frm`` to ``to`` (staying put is allowed)."""
    return frm == to or frm in VALIDATION_SOURCES.get(to, ())


VALIDATION_SERVICES: dict[str, Callable[..., Offer]] = {
    TV.PENDING: offer_technical_validation_submit,
    TV.PASSED: offer_technical_validation_pass,
    TV.FAILED: offer_technical_validation_fail,
}


def offer_set_technical_validation(*, offer_id: int, value: str, actor, now: datetime) -> Offer:
    """Move technical validation to ``value`` through its transition (staff's API field and
    the admin's form); ``not_submitted`` cannot be set back."""
    if value not in VALIDATION_SERVICES:
        raise ValidationFailed(
            {
                "technical_validation": [
                    _("Choose one of: %(codes)s.") % {"codes": ", ".join(VALIDATION_SERVICES)}
                ]
            }
        )
    return VALIDATION_SERVICES[value](offer_id=offer_id, actor=actor, now=now)
