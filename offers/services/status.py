"""Applying the status engine to offers, and the Preferred solution badge's life cycle."""

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from cosell.core import audit, effects

from .. import events, tasks
from ..badges import next_propagation_run
from ..benefits import badge_eligible
from ..models import BadgeState, Offer
from ..status_engine import RANK, Evaluation, deciding_requirement, evaluate

EVALUATE_JOB = "offers.status_evaluate"
REEVALUATE_ALL_JOB = "offers.reevaluate_all"
PROPAGATE_JOB = "offers.badge_propagate"


def badge_next(state: str, eligible: bool, now: datetime) -> tuple[str, datetime | None] | None:
    """The badge's next (state, due at) when eligibility is ``eligible``; None: no change.

    Eligible: none -> pending (appears at the next propagation run), removal_pending -> visible.
    Not eligible: pending -> none (it never appeared), visible -> removal_pending.
    """
    if eligible and state == BadgeState.NONE:
        return BadgeState.PENDING, next_propagation_run(now)
    if eligible and state == BadgeState.REMOVAL_PENDING:
        return BadgeState.VISIBLE, None
    if not eligible and state == BadgeState.PENDING:
        return BadgeState.NONE, None
    if not eligible and state == BadgeState.VISIBLE:
        return BadgeState.REMOVAL_PENDING, next_propagation_run(now)
    return None


def outcome_differs(offer, partner, status: str, unmet: list[str], now: datetime) -> bool:
    """Whether an evaluation giving ``status`` and ``unmet`` changes ``offer`` (its status, its
    missing requirements or its badge)."""
    return (
        offer.co_sell_status != status
        or offer.co_sell_unmet != unmet
        or badge_next(offer.badge_state, badge_eligible(status, partner), now) is not None
    )


def _needs_change(offer: Offer, evaluation: Evaluation, now: datetime) -> bool:
    return outcome_differs(offer, offer.partner, evaluation.status, evaluation.unmet, now)


def _apply(offer: Offer, evaluation: Evaluation, *, now: datetime, actor, job: str) -> Offer:
    """Write what ``evaluation`` changes on the locked ``offer``, with its audit events."""
    fields: list[str] = []
    status_change = badge_change = None
    old_status = offer.co_sell_status
    if evaluation.status != old_status:
        decider = deciding_requirement(
            old_status=old_status,
            evaluation=evaluation,
            previously_unmet=offer.co_sell_unmet or [],
        )
        direction = "up" if RANK[evaluation.status] >= RANK[old_status] else "down"
        with translation.override(settings.LANGUAGE_CODE):
            reason = f"{decider.code}: {decider.detail}" if decider else ""
        offer.co_sell_status = evaluation.status
        offer.status_changed_at = now
        fields += ["co_sell_status", "status_changed_at"]
        audit.record(
            offer,
            "co_sell_status_changed",
            frm=old_status,
            to=evaluation.status,
            actor=actor,
            job=job,
            at=now,
            reason=reason,
            extra={
                "requirement": decider.code if decider else "",
                "direction": direction,
                "unmet": evaluation.unmet,
            },
        )
        offer_id, new_status = offer.pk, evaluation.status
        requirement = decider.code if decider else ""
        status_change = {"from": old_status, "to": new_status, "requirement": requirement}
        effects.queue(
            tasks.offer_status_notify, offer_id, old_status, new_status, requirement, direction
        )
    move = badge_next(offer.badge_state, badge_eligible(evaluation.status, offer.partner), now)
    if move is not None:
        old_badge = offer.badge_state
        offer.badge_state, offer.badge_due_at = move
        if offer.badge_state == BadgeState.NONE:
            offer.badge_visible_since = None
        fields += ["badge_state", "badge_due_at", "badge_visible_since"]
        audit.record(
            offer,
            "badge_changed",
            frm=old_badge,
            to=offer.badge_state,
            actor=actor,
            job=job,
            at=now,
            reason=f"co_sell_status: {evaluation.status}",
            extra={"due_at": offer.badge_due_at.isoformat() if offer.badge_due_at else None},
        )
        badge_change = {"from": old_badge, "to": offer.badge_state}
    if offer.co_sell_unmet != evaluation.unmet:
        offer.co_sell_unmet = evaluation.unmet
        fields.append("co_sell_unmet")
    if fields:
        offer.save(update_fields=fields)
    # After the save, so the payload shows the offer as it now is.
    if status_change is not None:
        events.emit_offer("offer.status_changed", offer, at=now, **status_change)
    if badge_change is not None:
        events.emit_offer("offer.badge_changed", offer, at=now, **badge_change)
    return offer


def offer_status_evaluate(*, offer_id: int, now: datetime, actor=None, job: str = "") -> Offer:
    """Move the offer to the co-sell status the engine gives it, and keep its badge in step.

    Unchanged when the status, the missing requirements and the badge already agree with the
    engine, so running it again is harmless. The row lock serialises it against other
    evaluations, edits and the badge propagation job.
    """
    with transaction.atomic():
        offer = (
            Offer.objects.select_for_update(of=("self",)).select_related("partner").get(pk=offer_id)
        )
        kinds = list(offer.documents.values_list("kind", flat=True))
        roles = list(offer.contacts.values_list("role", flat=True))
        evaluation = evaluate(offer, offer.partner, kinds, roles)
        if not _needs_change(offer, evaluation, now):
            return offer
        return _apply(offer, evaluation, now=now, actor=actor, job=job or EVALUATE_JOB)


# Rows per transaction of the badge job. Larger than the evaluation batches: each batch costs a
# commit (a WAL flush) and a publish, and a badge row is rarely edited by a person while the job
# holds it.
PROPAGATE_BATCH_SIZE = 2000
PROPAGATION = {
    BadgeState.PENDING: BadgeState.VISIBLE,
    BadgeState.REMOVAL_PENDING: BadgeState.NONE,
}


def _propagate_rows(ids: list[int], now: datetime) -> None:
    """One UPDATE for the batch: each row moves by its own state (``PROPAGATION``), guarded by
    the states the rows were locked in. The ids go as one array parameter: ``pk__in`` would
    bind (and the driver parse) one placeholder per id."""
    table = Offer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET '  # noqa: S608 (the table name is the model's, not input)
            "badge_state = CASE badge_state WHEN %(pending)s THEN %(visible)s ELSE %(none)s END, "
            "badge_visible_since = CASE badge_state WHEN %(pending)s THEN %(now)s END, "
            "badge_due_at = NULL "
            "WHERE id = ANY(%(ids)s) AND badge_state IN (%(pending)s, %(removal)s)",
            {
                "pending": BadgeState.PENDING.value,
                "visible": PROPAGATION[BadgeState.PENDING].value,
                "none": PROPAGATION[BadgeState.REMOVAL_PENDING].value,
                "removal": BadgeState.REMOVAL_PENDING.value,
                "now": now,
                "ids": ids,
            },
        )


def badge_propagate(*, now: datetime, batch_size: int = PROPAGATE_BATCH_SIZE) -> int:
    """Publish pending badges and take down those marked for removal, for the run due by ``now``.

    Set-based: each batch is the next due rows, locked by the query that selects them (so an
    evaluation that moved a badge meanwhile is seen), updated with one UPDATE,
    audited and emitted with one COPY each, in one transaction. A second run for the same
    instant finds nothing due.
    """
    due_filter = {"badge_state__in": list(PROPAGATION), "badge_due_at__lte": now}
    # Values, not instances: the job needs the columns of the payload and the audit. Each batch
    # locks the next due rows after the last id seen (keyset: no list of ids bound as thousands
    # of parameters, and no re-scan of the rows already done).
    due = (
        Offer.objects.select_for_update()
        .filter(**due_filter)
        .order_by("pk")
        # badge_visible_since is set below to the run's moment: not read (nor parsed).
        .values(*(name for name in events.OFFER_VALUES if name != "badge_visible_since"))
    )
    changed, last_id = 0, 0
    while True:
        with transaction.atomic():
            offers = list(due.filter(pk__gt=last_id)[:batch_size])
            if not offers:
                return changed
            last_id = offers[-1]["id"]
            audit_entries, changes = [], []
            for offer in offers:
                old, due_at = offer["badge_state"], offer["badge_due_at"]
                new = PROPAGATION[old]
                changes.append((offer, {"from": str(old), "to": str(new)}))
                audit_entries.append(
                    (offer["id"], old, new, f"propagation run {due_at.isoformat()}")
                )
                offer["badge_state"] = new
                # The moment the run published it (the job runs after the run falls due).
                offer["badge_visible_since"] = now if new == BadgeState.VISIBLE else None
                offer["badge_due_at"] = None
            _propagate_rows([offer["id"] for offer in offers], now)
            audit.bulk_record_many(Offer, "badge_changed", audit_entries, job=PROPAGATE_JOB, at=now)
            events.emit_offer_values("offer.badge_changed", changes, at=now)
            changed += len(offers)
        # The lock re-checks rows before LIMIT counts them: a short batch was the last.
        if len(offers) < batch_size:
            return changed
