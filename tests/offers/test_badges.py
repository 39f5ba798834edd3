"""The Preferred solution badge: none -> pending -> visible -> removal_pending -> none, run by the
periodic job for any instant."""

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from cosell.core.models import AuditEvent
from offers import services
from offers.badges import next_propagation_run
from offers.models import BadgeState, CoSellStatus, Offer, OfferDocument, OfferType
from tests.offers.conftest import make_ready
from tests.offers.factories import OfferDocumentFactory, OfferFactory

pytestmark = pytest.mark.django_db
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def propagate(at: str) -> str:
    out = StringIO()
    call_command("run_periodic", "--at", at, "--job", "offers.badge_propagate", stdout=out)
    return out.getvalue().strip()


def evaluate(offer, now):
    return services.offer_status_evaluate(offer_id=offer.pk, now=now)


def state(offer):
    offer.refresh_from_db()
    return offer.badge_state


def test_the_calendar_runs_every_window_from_the_epoch(settings):
    assert next_propagation_run(EPOCH) == EPOCH + timedelta(days=30)
    assert next_propagation_run(EPOCH - timedelta(seconds=1)) == EPOCH
    moment = datetime(2026, 5, 17, 8, 30, tzinfo=UTC)
    due = next_propagation_run(moment)
    assert moment < due <= moment + timedelta(days=30)
    assert (due - EPOCH) % timedelta(days=30) == timedelta(0)
    settings.BADGE_PROPAGATION_DAYS = 7
    due = next_propagation_run(moment)
    assert moment < due <= moment + timedelta(days=7)


def test_the_badge_cycle_across_thirty_days(azure_offer):
    t0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    offer = evaluate(azure_offer, t0)
    assert offer.co_sell_status == CoSellStatus.AZURE_IP_INCENTIVE
    assert offer.badge_state == BadgeState.PENDING
    appears = datetime(2026, 1, 31, tzinfo=UTC)
    assert offer.badge_due_at == appears

    assert propagate("2026-01-30T23:59:59Z").endswith(": 0")
    assert state(offer) == BadgeState.PENDING

    assert propagate("2026-01-31T04:00:00Z").endswith(": 1")
    assert state(offer) == BadgeState.VISIBLE
    # The moment the job published it (04:00), not the 00:00 the run fell due.
    assert offer.badge_visible_since == datetime(2026, 1, 31, 4, 0, tzinfo=UTC)
    assert offer.badge_due_at is None
    # The same instant again changes nothing.
    events = AuditEvent.objects.count()
    assert propagate("2026-01-31T04:00:00Z").endswith(": 0")
    assert AuditEvent.objects.count() == events

    # It loses eligibility: the badge goes at the next run, not before.
    offer.documents.filter(kind=OfferDocument.Kind.PITCH_DECK).delete()
    lost = datetime(2026, 2, 5, tzinfo=UTC)
    evaluate(offer, lost)
    assert state(offer) == BadgeState.REMOVAL_PENDING
    assert offer.badge_due_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert propagate("2026-02-20T04:00:00Z").endswith(": 0")
    assert state(offer) == BadgeState.REMOVAL_PENDING
    assert propagate("2026-03-02T04:00:00Z").endswith(": 1")
    assert state(offer) == BadgeState.NONE
    assert offer.badge_visible_since is None
    assert propagate("2026-03-02T04:00:00Z").endswith(": 0")

    verbs = list(
        AuditEvent.objects.filter(subject_id=str(offer.pk), verb="badge_changed")
        .order_by("id")
        .values_list("from_state", "to_state", "job")
    )
    assert verbs == [
        ("none", "pending", "offers.status_evaluate"),
        ("pending", "visible", "offers.badge_propagate"),
        ("visible", "removal_pending", "offers.status_evaluate"),
        ("removal_pending", "none", "offers.badge_propagate"),
    ]


def test_regaining_eligibility_before_the_run_keeps_the_badge(azure_offer):
    evaluate(azure_offer, datetime(2026, 1, 10, tzinfo=UTC))
    propagate("2026-01-31T04:00:00Z")
    deck = azure_offer.documents.get(kind=OfferDocument.Kind.PITCH_DECK)
    deck.delete()
    evaluate(azure_offer, datetime(2026, 2, 1, tzinfo=UTC))
    assert state(azure_offer) == BadgeState.REMOVAL_PENDING
    OfferDocumentFactory(offer=azure_offer, kind=OfferDocument.Kind.PITCH_DECK)
    evaluate(azure_offer, datetime(2026, 2, 2, tzinfo=UTC))
    assert state(azure_offer) == BadgeState.VISIBLE
    assert azure_offer.badge_due_at is None
    assert propagate("2026-03-02T04:00:00Z").endswith(": 0")
    assert state(azure_offer) == BadgeState.VISIBLE


def test_losing_eligibility_before_it_appears_cancels_the_badge(azure_offer):
    evaluate(azure_offer, datetime(2026, 1, 10, tzinfo=UTC))
    azure_offer.documents.filter(kind=OfferDocument.Kind.ONE_PAGER).delete()
    evaluate(azure_offer, datetime(2026, 1, 12, tzinfo=UTC))
    assert state(azure_offer) == BadgeState.NONE
    assert azure_offer.badge_due_at is None
    assert propagate("2026-01-31T04:00:00Z").endswith(": 0")


def test_only_incentive_statuses_earn_the_badge(partner):
    """A co-sell-ready SaaS offer of an ISV Connect partner is not badged (the old rule badged
    it); a Dynamics offer enrolled in ISV Connect reaches a Business Applications incentive and
    is."""
    partner.isv_connect_tier = "standard"
    partner.save()
    saas = make_ready(OfferFactory(partner=partner))
    saas = evaluate(saas, EPOCH)
    assert saas.co_sell_status == CoSellStatus.CO_SELL_READY
    assert saas.badge_state == BadgeState.NONE
    dynamics = make_ready(
        OfferFactory(
            partner=partner,
            offer_type=OfferType.DYNAMICS_365_CE_POWER_APPS,
            isv_connect_enrolled=True,
        )
    )
    dynamics = evaluate(dynamics, EPOCH)
    assert dynamics.co_sell_status == CoSellStatus.BIZAPPS_STANDARD
    assert dynamics.badge_state == BadgeState.PENDING


def test_propagation_is_set_based(partner, django_assert_max_num_queries):
    due = EPOCH + timedelta(days=30)

    def pending(n):
        OfferFactory.create_batch(
            n,
            partner=partner,
            co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE,
            badge_state=BadgeState.PENDING,
            badge_due_at=due,
        )

    pending(3)
    with django_assert_max_num_queries(8) as small:
        assert services.badge_propagate(now=due) == 3
    pending(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert services.badge_propagate(now=due) == 30
    assert Offer.objects.filter(badge_state=BadgeState.VISIBLE).count() == 33


@pytest.mark.django_db(transaction=True)
def test_propagation_racing_an_evaluation_gives_one_outcome(azure_offer):
    """The job and an evaluation lock the same row; whichever goes second sees the first's
    result, so the badge never ends up visible for an offer that lost eligibility."""
    evaluate(azure_offer, datetime(2026, 1, 10, tzinfo=UTC))
    azure_offer.documents.filter(kind=OfferDocument.Kind.ONE_PAGER).delete()
    due = datetime(2026, 1, 31, 4, tzinfo=UTC)
    barrier = threading.Barrier(2)
    errors = []

    def run(target):
        try:
            barrier.wait()
            target()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: services.badge_propagate(now=due),)),
        threading.Thread(target=run, args=(lambda: evaluate(azure_offer, due),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    azure_offer.refresh_from_db()
    # Either the evaluation went first (pending -> none, the job found nothing), or the job went
    # first (pending -> visible) and the evaluation then marked it for removal.
    assert azure_offer.badge_state in (BadgeState.NONE, BadgeState.REMOVAL_PENDING)
    assert azure_offer.co_sell_status == CoSellStatus.NOT_READY
