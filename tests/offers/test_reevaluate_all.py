"""The nightly re-evaluation, set-based: the same outcome as evaluating each offer on its own,
and only the offers that change are written, audited and announced."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from cosell.core.models import AuditEvent, PendingEffect
from cosell.webhooks.models import OutboxEvent
from offers import services
from offers.models import BadgeState, CoSellStatus, Offer, OfferContact, OfferDocument, OfferType
from offers.services import reevaluate
from offers.services.status import REEVALUATE_ALL_JOB
from offers.status_engine import (
    CHECKLIST_CODES,
    OFFER_FACTS,
    evaluate,
    outcome,
    requirements_met,
)
from tests.offers.factories import OfferContactFactory, OfferDocumentFactory, OfferFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


def population(seed: int = 7, partners: int = 5, offers: int = 70) -> list[Offer]:
    """Offers of every type, with random facts, documents, contacts, stored statuses and badges
    (some consistent with the rules, most not)."""
    rng = random.Random(seed)
    made_partners = [
        PartnerFactory(
            partner_id="" if n == 0 else f"51{seed:03}{n:03}",
            business_profile_complete=n != 1,
            solutions_partner_designation=rng.random() < 0.5,
            isv_connect_tier=rng.choice(["none", "standard", "premium"]),
            acr_trailing_12m_usd=Decimal(rng.choice([0, 99_999, 100_000, 250_000])),
        )
        for n in range(partners)
    ]
    made = []
    for _ in range(offers):
        badge = rng.choice(list(BadgeState.values))
        ready = rng.random() < 0.7  # the documents, contact and listing readiness asks for
        offer = OfferFactory(
            partner=rng.choice(made_partners),
            offer_type=rng.choice(list(OfferType.values)),
            listing_state=Offer.ListingState.LIVE
            if ready
            else rng.choice(list(Offer.ListingState.values)),
            solution_type=rng.choice([*Offer.SolutionType.values, ""]),
            is_office_add_in=not ready and rng.random() < 0.3,
            isv_connect_enrolled=rng.random() < 0.5,
            transactable=rng.random() < 0.5,
            billed_revenue_12m_usd=Decimal(rng.choice([0, 100_000, 500_000])),
            technical_validation=rng.choice(list(Offer.TechnicalValidation.values)),
            co_sell_status=rng.choice(list(CoSellStatus.values)),
            co_sell_unmet=rng.choice([None, [], ["one_pager"]]),
            badge_state=badge,
            badge_due_at=NOW - timedelta(days=3) if badge != BadgeState.NONE else None,
        )
        kinds = set(rng.sample(list(OfferDocument.Kind.values), rng.randint(0, 4)))
        roles = set(rng.sample(list(OfferContact.Role.values), rng.randint(0, 2)))
        if ready:
            kinds |= {OfferDocument.Kind.ONE_PAGER, OfferDocument.Kind.PITCH_DECK}
            roles.add(OfferContact.Role.SALES)
        for kind in sorted(kinds):
            OfferDocumentFactory(offer=offer, kind=kind)
        for role in sorted(roles):
            OfferContactFactory(offer=offer, role=role)
        made.append(offer)
    # A few already exactly as the engine has them: nothing to write for those.
    for offer in made[:10]:
        services.offer_status_evaluate(offer_id=offer.pk, now=NOW)
    return made


def snapshot(since_audit: int) -> dict:
    offers = {
        row["id"]: row
        for row in Offer.objects.values(
            "id",
            "co_sell_status",
            "co_sell_unmet",
            "status_changed_at",
            "badge_state",
            "badge_due_at",
            "badge_visible_since",
        )
    }
    audit = sorted(
        AuditEvent.objects.filter(id__gt=since_audit).values_list(
            "subject_id", "verb", "from_state", "to_state", "job", "reason", "extra"
        ),
        key=repr,
    )
    outbox = sorted(
        OutboxEvent.objects.values_list("type", "subject_id", "partner_id", "data"), key=repr
    )
    effects = sorted(PendingEffect.objects.values_list("task", "args", "kwargs"), key=repr)
    return {"offers": offers, "audit": audit, "outbox": outbox, "effects": effects}


def row_versions() -> dict[int, int]:
    """Each offer row's xmin: it changes when, and only when, the row is written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xmin::text::bigint FROM offers_offer")
        return dict(cursor.fetchall())


class Rollback(Exception):
    pass


def test_the_set_based_job_agrees_with_evaluating_each_offer_alone():
    offers = population()
    audit_start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    OutboxEvent.objects.all().delete()
    PendingEffect.objects.all().delete()
    before = snapshot(audit_start)

    # Each offer through the single-offer service, then rolled back.
    with pytest.raises(Rollback), transaction.atomic():
        for offer in offers:
            services.offer_status_evaluate(offer_id=offer.pk, now=NOW, job=REEVALUATE_ALL_JOB)
        one_by_one = snapshot(audit_start)
        raise Rollback
    assert snapshot(audit_start) == before

    versions = row_versions()
    changed = services.offers_reevaluate_all(now=NOW)
    bulk = snapshot(audit_start)
    assert bulk == one_by_one
    # A varied population: statuses, badges and bookkeeping all moved, for some offers only.
    moved = {i for i in before["offers"] if before["offers"][i] != bulk["offers"][i]}
    assert 10 < changed == len(moved) < len(offers)
    assert len({v["co_sell_status"] for v in bulk["offers"].values()}) >= 4
    assert {row[1] for row in bulk["audit"]} == {"co_sell_status_changed", "badge_changed"}
    # Only the offers that changed were written, audited and announced.
    written = {i for i, version in row_versions().items() if versions[i] != version}
    assert written == moved
    assert {int(row[0]) for row in bulk["audit"]} <= moved
    assert {int(row[1]) for row in bulk["outbox"]} <= moved
    # Every offer now stands as the engine has it; a second night writes nothing.
    for offer in Offer.objects.select_related("partner"):
        evaluation = evaluate(offer, offer.partner, offer.documents.all(), offer.contacts.all())
        assert (offer.co_sell_status, offer.co_sell_unmet) == (
            evaluation.status,
            evaluation.unmet,
        )
    versions = row_versions()
    assert services.offers_reevaluate_all(now=NOW) == 0
    assert row_versions() == versions
    assert snapshot(audit_start) == bulk


def test_one_partners_offers_only():
    offers = population(seed=11, partners=2, offers=20)
    partner = offers[-1].partner
    versions = row_versions()
    services.offers_reevaluate_all(now=NOW, partner_id=partner.pk)
    written = {i for i, version in row_versions().items() if versions[i] != version}
    assert written
    assert written <= set(Offer.objects.filter(partner=partner).values_list("id", flat=True))


def test_offers_due_is_the_same_whatever_the_chunk():
    population(seed=3, partners=3, offers=25)
    whole = reevaluate.offers_due(now=NOW)
    assert reevaluate.offers_due(now=NOW, chunk=4) == whole
    assert whole == sorted(whole)


class FactsOnly:
    """An offer that answers only the fields the nightly job reads."""

    def __init__(self, offer: Offer, read: set):
        self._offer, self._read = offer, read

    def __getattr__(self, name):
        self._read.add(name)
        if name not in OFFER_FACTS:
            raise AssertionError(f"the rules read Offer.{name}: add it to OFFER_FACTS")
        return getattr(self._offer, name)


def test_the_rules_read_only_the_facts_the_job_reads_and_agree_with_evaluate():
    read: set = set()
    for offer in population(seed=5, partners=4, offers=40):
        offer = Offer.objects.select_related("partner").get(pk=offer.pk)
        kinds = set(offer.documents.values_list("kind", flat=True))
        roles = set(offer.contacts.values_list("role", flat=True))
        evaluation = evaluate(offer, offer.partner, kinds, roles)
        assert outcome(FactsOnly(offer, read), offer.partner, kinds, roles) == (
            evaluation.status,
            evaluation.unmet,
        )
        assert [r.code for r in evaluation.checklist] == list(CHECKLIST_CODES)
        assert list(requirements_met(offer, offer.partner, kinds, roles)) == list(CHECKLIST_CODES)
    assert read <= set(OFFER_FACTS)
    assert {"offer_type", "listing_state", "technical_validation"} <= read


def test_reading_costs_four_queries_a_chunk(django_assert_max_num_queries):
    partner = PartnerFactory(acr_trailing_12m_usd=Decimal("0"))
    for _ in range(12):
        OfferFactory(partner=partner, co_sell_status=CoSellStatus.NOT_READY, co_sell_unmet=None)
    assert services.offers_reevaluate_all(now=NOW) == 12
    # Reading is four queries per chunk, whatever the number of offers.
    with django_assert_max_num_queries(4):
        assert reevaluate.offers_due(now=NOW) == []
