"""The nightly re-evaluation of every offer, set-based.

Reading: the offers' facts in chunks (keyset on the id: one query for the offers' columns the
rules read, one for their document kinds, one for their contact roles, one for the partners not
seen yet), decided by the status engine's own rules (``status_rules.outcome``: the predicates
``evaluate`` explains, without building its sentences). Writing: only the offers whose status,
missing requirements or badge would change, in batches of ``WRITE_BATCH`` per transaction, each
locked and evaluated again under its lock and written by the single-offer service's own
``_apply`` (same audit events, side effects and webhook events), so the job and
``offer_status_evaluate`` cannot disagree.
"""

from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Prefetch

from cosell.partners.models import Partner

from ..models import Offer, OfferContact, OfferDocument
from ..status_engine import OFFER_FACTS, evaluate, outcome
from .status import REEVALUATE_ALL_JOB, _apply, _needs_change, outcome_differs

READ_CHUNK = 5000
WRITE_BATCH = 500
# Besides the facts the rules read: what the job compares the outcome with.
_STORED = ("id", "partner_id", "co_sell_status", "co_sell_unmet", "badge_state")


def offers_due(
    *, now: datetime, partner_id: int | None = None, chunk: int = READ_CHUNK
) -> list[int]:
    """The ids of the offers whose evaluation would change something, in id order."""
    offers = Offer.objects.order_by("pk").values(*_STORED, *OFFER_FACTS)
    documents = OfferDocument.objects.values_list("offer_id", "kind")
    contacts = OfferContact.objects.values_list("offer_id", "role")
    if partner_id is not None:
        offers = offers.filter(partner_id=partner_id)
        documents = documents.filter(offer__partner_id=partner_id)
        contacts = contacts.filter(offer__partner_id=partner_id)
    partners: dict[int, Partner] = {}
    due: list[int] = []
    last_id = 0
    while True:
        rows = list(offers.filter(pk__gt=last_id)[:chunk])
        if not rows:
            return due
        first_id, last_id = rows[0]["id"], rows[-1]["id"]
        kinds, roles = defaultdict(set), defaultdict(set)
        for offer_id, kind in documents.filter(offer_id__gte=first_id, offer_id__lte=last_id):
            kinds[offer_id].add(str(kind))
        for offer_id, role in contacts.filter(offer_id__gte=first_id, offer_id__lte=last_id):
            roles[offer_id].add(str(role))
        missing = {row["partner_id"] for row in rows} - partners.keys()
        if missing:
            partners.update(Partner.objects.in_bulk(missing))
        for row in rows:
            offer = SimpleNamespace(**row)
            partner = partners[offer.partner_id]
            status, unmet = outcome(offer, partner, kinds[offer.id], roles[offer.id])
            if outcome_differs(offer, partner, status, unmet, now):
                due.append(offer.id)
        if len(rows) < chunk:
            return due


def apply_due(offer_ids: list[int], *, now: datetime, batch_size: int = WRITE_BATCH) -> int:
    """Evaluate and write ``offer_ids`` under their row locks, ``batch_size`` per transaction;
    return how many changed (an offer edited meanwhile may no longer need to)."""
    changed = 0
    locked = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("partner")
        .prefetch_related(
            Prefetch("documents", queryset=OfferDocument.objects.only("id", "offer_id", "kind")),
            Prefetch("contacts", queryset=OfferContact.objects.only("id", "offer_id", "role")),
        )
        .order_by("pk")
    )
    for start in range(0, len(offer_ids), batch_size):
        with transaction.atomic():
            for offer in locked.filter(pk__in=offer_ids[start : start + batch_size]):
                evaluation = evaluate(
                    offer, offer.partner, offer.documents.all(), offer.contacts.all()
                )
                if _needs_change(offer, evaluation, now):
                    _apply(offer, evaluation, now=now, actor=None, job=REEVALUATE_ALL_JOB)
                    changed += 1
    return changed


def offers_reevaluate_all(*, now: datetime, partner_id: int | None = None) -> int:
    """Re-evaluate every offer (or one partner's); write only those whose outcome changes;
    return how many were written."""
    return apply_due(offers_due(now=now, partner_id=partner_id), now=now)
