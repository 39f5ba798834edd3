"""Creating and editing offers, and the admins' technical validation."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit, effects
from cosell.core.errors import ValidationFailed
from cosell.partners.models import Partner, SolutionArea

from .. import tasks
from ..models import Offer

# What a partner may set on an offer; status and badge fields belong to the engine and
# technical validation to the admins.
EDITABLE_FIELDS = (
    "name",
    "offer_type",
    "listing_state",
    "transactable",
    "has_paid_plan",
    "billed_revenue_12m_usd",
    "solution_type",
    "solution_areas",
    "is_office_add_in",
)


def queue_evaluation(offer_id: int, *, actor=None, cause: str = "") -> None:
    """Re-evaluate the offer's co-sell status once the current transaction commits."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    effects.queue(tasks.offer_status_evaluate_task, offer_id, actor_id=actor_id, cause=cause)


def _clean(offer: Offer, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
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
    """Create an offer of ``partner``; its co-sell status is evaluated after commit."""
    offer = Offer(partner=partner)
    _clean(offer, fields)
    with transaction.atomic():
        offer.save()
        audit.record(offer, "created", actor=actor, at=now, extra={"name": offer.name})
        queue_evaluation(offer.pk, actor=actor, cause="created")
    return offer


def offer_update(*, offer_id: int, actor, now: datetime, **changes) -> Offer:
    """Change what a partner keeps on an offer; re-evaluates after commit when anything changed."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        before = {name: getattr(offer, name) for name in changes if name in EDITABLE_FIELDS}
        _clean(offer, dict(changes))
        changed = [name for name in before if before[name] != getattr(offer, name)]
        if not changed:
            return offer
        offer.save(update_fields=[*changed, "updated_at"])
        audit.record(
            offer,
            "updated",
            actor=actor,
            at=now,
            extra={
                name: {"from": str(before[name]), "to": str(getattr(offer, name))}
                for name in changed
            },
        )
        queue_evaluation(offer.pk, actor=actor, cause="updated")
    return offer


def offer_set_technical_validation(*, offer_id: int, value: str, actor, now: datetime) -> Offer:
    """Record Microsoft's technical validation of an offer (admins only)."""
    if value not in Offer.TechnicalValidation.values:
        raise ValidationFailed(
            {
                "technical_validation": [
                    _("Choose one of: %(codes)s.")
                    % {"codes": ", ".join(Offer.TechnicalValidation.values)}
                ]
            }
        )
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        if offer.technical_validation == value:
            return offer
        old = offer.technical_validation
        offer.technical_validation = value
        offer.save(update_fields=["technical_validation", "updated_at"])
        audit.record(offer, "technical_validation_changed", frm=old, to=value, actor=actor, at=now)
        queue_evaluation(offer.pk, actor=actor, cause="technical_validation")
    return offer
