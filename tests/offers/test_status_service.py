"""offer_status_evaluate and what starts it: the transition shape, audit, mail, events, nightly."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from cosell.core.models import AuditEvent
from cosell.partners.models import Partner
from cosell.partners.services import partner_update_figures
from offers import services
from offers.models import BadgeState, CoSellStatus, Offer, OfferDocument, OfferType
from offers.status_engine import Code
from tests.offers.conftest import make_ready
from tests.offers.factories import OfferDocumentFactory, OfferFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def status_events(offer):
    return list(
        AuditEvent.objects.filter(subject_id=str(offer.pk), verb="co_sell_status_changed").order_by(
            "id"
        )
    )


def evaluate(offer, **kw):
    return services.offer_status_evaluate(offer_id=offer.pk, now=NOW, **kw)


def test_offer_moves_up_to_azure_ip_incentive_with_audit_and_mail(azure_offer, partner_admin):
    offer = evaluate(azure_offer, job="test")
    assert offer.co_sell_status == CoSellStatus.AZURE_IP_INCENTIVE
    assert offer.status_changed_at == NOW
    (event,) = status_events(offer)
    assert (event.from_state, event.to_state, event.job) == (
        "not_ready",
        "azure_ip_incentive",
        "test",
    )
    assert event.extra["direction"] == "up"
    assert event.extra["requirement"]
    assert event.reason.startswith(event.extra["requirement"] + ":")


def test_status_change_mails_the_partner_admins_after_commit(
    azure_offer, partner_admin, partner_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(azure_offer)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [partner_admin.email]
    assert "Insight Cloud" in message.subject
    assert "Azure IP co-sell incentive" in message.body
    assert f"/offers/{azure_offer.pk}/" in message.body


def test_a_second_evaluation_changes_nothing(azure_offer, django_capture_on_commit_callbacks):
    evaluate(azure_offer)
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        offer = evaluate(azure_offer)
    assert offer.co_sell_status == CoSellStatus.AZURE_IP_INCENTIVE
    assert AuditEvent.objects.count() == before
    assert callbacks == []


def test_deleting_the_pitch_deck_moves_the_offer_down_and_names_it(
    azure_offer, partner_admin, django_capture_on_commit_callbacks
):
    evaluate(azure_offer)
    deck = azure_offer.documents.get(kind=OfferDocument.Kind.PITCH_DECK)
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_document_delete(document_id=deck.pk, actor=partner_admin, now=NOW)
    azure_offer.refresh_from_db()
    assert azure_offer.co_sell_status == CoSellStatus.NOT_READY
    last = status_events(azure_offer)[-1]
    assert (last.from_state, last.to_state) == ("azure_ip_incentive", "not_ready")
    assert last.extra == {**last.extra, "requirement": Code.PITCH_DECK, "direction": "down"}
    assert last.actor == partner_admin
    assert "Upload a pitch deck" in last.reason
    assert any("is now: Not co-sell ready" in m.subject for m in mail.outbox)


def test_uploading_the_missing_diagram_moves_the_offer_up_naming_it(
    azure_partner, partner_admin, django_capture_on_commit_callbacks
):
    offer = make_ready(
        OfferFactory(
            partner=azure_partner,
            technical_validation=Offer.TechnicalValidation.PASSED,
        )
    )
    evaluate(offer)
    offer.refresh_from_db()
    assert offer.co_sell_status == CoSellStatus.CO_SELL_READY
    assert Code.ARCHITECTURE_DIAGRAM in offer.co_sell_unmet
    OfferDocumentFactory(offer=offer, kind=OfferDocument.Kind.ARCHITECTURE_DIAGRAM)
    evaluate(offer)
    last = status_events(offer)[-1]
    assert (last.from_state, last.to_state) == ("co_sell_ready", "azure_ip_incentive")
    assert last.extra["requirement"] == Code.ARCHITECTURE_DIAGRAM


@pytest.mark.parametrize(
    ("tier", "status"),
    [
        ("standard", CoSellStatus.BIZAPPS_STANDARD),
        ("premium", CoSellStatus.BIZAPPS_PREMIUM),
    ],
)
def test_bizapps_status_follows_the_isv_connect_tier_both_ways(
    partner, admin_user, tier, status, django_capture_on_commit_callbacks
):
    offer = make_ready(
        OfferFactory(
            partner=partner,
            offer_type=OfferType.DYNAMICS_365_OPERATIONS,
            isv_connect_enrolled=True,
        )
    )
    evaluate(offer)
    assert Offer.objects.get(pk=offer.pk).co_sell_status == CoSellStatus.CO_SELL_READY
    with django_capture_on_commit_callbacks(execute=True):
        partner_update_figures(
            partner_id=partner.pk, actor=admin_user, now=NOW, isv_connect_tier=tier
        )
    assert Offer.objects.get(pk=offer.pk).co_sell_status == status
    with django_capture_on_commit_callbacks(execute=True):
        partner_update_figures(
            partner_id=partner.pk, actor=admin_user, now=NOW, isv_connect_tier="none"
        )
    assert Offer.objects.get(pk=offer.pk).co_sell_status == CoSellStatus.CO_SELL_READY
    assert status_events(offer)[-1].extra["requirement"] == Code.ISV_CONNECT


def test_acr_falling_moves_the_offer_down_through_the_partner_event(
    azure_offer, admin_user, django_capture_on_commit_callbacks
):
    evaluate(azure_offer)
    with django_capture_on_commit_callbacks(execute=True):
        partner_update_figures(
            partner_id=azure_offer.partner_id,
            actor=admin_user,
            now=NOW,
            acr_trailing_12m_usd=Decimal("1000"),
        )
    azure_offer.refresh_from_db()
    assert azure_offer.co_sell_status == CoSellStatus.CO_SELL_READY
    assert status_events(azure_offer)[-1].extra["requirement"] == Code.AZURE_REVENUE


def test_editing_the_offer_re_evaluates_after_commit(
    azure_offer, partner_admin, admin_user, django_capture_on_commit_callbacks
):
    evaluate(azure_offer)
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_facts_set(
            offer_id=azure_offer.pk,
            actor=admin_user,
            now=NOW,
            listing_state=Offer.ListingState.DRAFT,
        )
    azure_offer.refresh_from_db()
    assert azure_offer.co_sell_status == CoSellStatus.NOT_READY
    last = status_events(azure_offer)[-1]
    assert last.extra["requirement"] == Code.OFFER_LIVE
    assert last.actor == admin_user
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_update(
            offer_id=azure_offer.pk, actor=partner_admin, now=NOW, solution_type=""
        )
    assert status_events(azure_offer)[-1].extra["requirement"] == Code.OFFER_LIVE  # still down
    azure_offer.refresh_from_db()
    assert Code.SOLUTION_TYPE in azure_offer.co_sell_unmet


def test_nightly_job_catches_a_trailing_figure_and_is_idempotent(azure_offer):
    evaluate(azure_offer)
    # ACR fell without going through the service (an import, say): the nightly run catches it.
    Partner.objects.filter(pk=azure_offer.partner_id).update(acr_trailing_12m_usd=0)
    out = StringIO()
    call_command(
        "run_periodic", "--at", "2026-03-11T02:30:00Z", "--job", "offers.reevaluate_all", stdout=out
    )
    assert "offers.reevaluate_all @ 2026-03-11T02:30:00+00:00: 1" in out.getvalue()
    azure_offer.refresh_from_db()
    assert azure_offer.co_sell_status == CoSellStatus.CO_SELL_READY
    assert status_events(azure_offer)[-1].job == "offers.reevaluate_all"
    out = StringIO()
    call_command(
        "run_periodic", "--at", "2026-03-11T02:30:00Z", "--job", "offers.reevaluate_all", stdout=out
    )
    assert out.getvalue().strip().endswith(": 0")


def test_nightly_job_reads_without_growing_queries(partner, django_assert_max_num_queries):
    for _ in range(3):
        make_ready(OfferFactory(partner=partner))
    services.offers_reevaluate_all(now=NOW)
    for _ in range(27):
        make_ready(OfferFactory(partner=partner))
    Offer.objects.update(co_sell_unmet=None)
    # Nothing decides a status change for the first three; only unmet bookkeeping changes.
    with django_assert_max_num_queries(400):
        services.offers_reevaluate_all(now=NOW)
    with django_assert_max_num_queries(5):
        assert services.offers_reevaluate_all(now=NOW) == 0


def test_technical_validation_submit_pass_fail(azure_partner, partner_admin, admin_user):
    """The partner submits (pending), an administrator passes or fails; each move audited,
    a repeat harmless, a move the state does not allow refused."""
    from cosell.core.errors import InvalidTransition, ValidationFailed

    offer = make_ready(OfferFactory(partner=azure_partner), diagram=True)
    with pytest.raises(InvalidTransition):
        services.offer_technical_validation_pass(offer_id=offer.pk, actor=admin_user, now=NOW)
    with pytest.raises(InvalidTransition):
        services.offer_technical_validation_fail(offer_id=offer.pk, actor=admin_user, now=NOW)
    submitted = services.offer_technical_validation_submit(
        offer_id=offer.pk, actor=partner_admin, now=NOW
    )
    assert submitted.technical_validation == "pending"
    services.offer_technical_validation_submit(offer_id=offer.pk, actor=partner_admin, now=NOW)
    event = AuditEvent.objects.get(subject_id=str(offer.pk), verb="technical_validation_submitted")
    assert (event.from_state, event.to_state, event.actor) == (
        "not_submitted",
        "pending",
        partner_admin,
    )
    failed = services.offer_technical_validation_fail(offer_id=offer.pk, actor=admin_user, now=NOW)
    assert failed.technical_validation == "failed"
    event = AuditEvent.objects.get(subject_id=str(offer.pk), verb="technical_validation_failed")
    assert (event.from_state, event.to_state, event.actor) == ("pending", "failed", admin_user)
    # Resubmitted after a failure, then passed.
    services.offer_technical_validation_submit(offer_id=offer.pk, actor=partner_admin, now=NOW)
    passed = services.offer_set_technical_validation(
        offer_id=offer.pk, value="passed", actor=admin_user, now=NOW
    )
    assert passed.technical_validation == "passed"
    services.offer_technical_validation_pass(offer_id=offer.pk, actor=admin_user, now=NOW)
    assert AuditEvent.objects.filter(verb="technical_validation_passed").count() == 1
    assert AuditEvent.objects.filter(verb="technical_validation_submitted").count() == 2
    with pytest.raises(InvalidTransition):
        services.offer_technical_validation_submit(offer_id=offer.pk, actor=partner_admin, now=NOW)
    with pytest.raises(ValidationFailed):
        services.offer_set_technical_validation(
            offer_id=offer.pk, value="maybe", actor=admin_user, now=NOW
        )
    with pytest.raises(ValidationFailed):
        services.offer_set_technical_validation(
            offer_id=offer.pk, value="not_submitted", actor=admin_user, now=NOW
        )


def test_measured_facts_are_set_by_the_facts_service_only(azure_offer, partner_admin, admin_user):
    from cosell.core.errors import ValidationFailed

    for name, value in [
        ("transactable", False),
        ("billed_revenue_12m_usd", "500000"),
        ("listing_state", "draft"),
        ("has_paid_plan", False),
        ("isv_connect_enrolled", True),
        ("technical_validation", "passed"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            services.offer_update(
                offer_id=azure_offer.pk, actor=partner_admin, now=NOW, **{name: value}
            )
        assert name in exc.value.errors
    changed = services.offer_facts_set(
        offer_id=azure_offer.pk,
        actor=admin_user,
        now=NOW,
        transactable=False,
        billed_revenue_12m_usd="250000",
    )
    assert changed.transactable is False and changed.billed_revenue_12m_usd == 250000
    event = AuditEvent.objects.get(subject_id=str(azure_offer.pk), verb="facts_changed")
    assert event.actor == admin_user and event.extra["transactable"]["to"] == "False"
    with pytest.raises(ValidationFailed) as exc:
        services.offer_facts_set(offer_id=azure_offer.pk, actor=admin_user, now=NOW, name="x")
    assert "name" in exc.value.errors


def test_offer_update_refuses_engine_fields(azure_offer, partner_admin):
    from cosell.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        services.offer_update(
            offer_id=azure_offer.pk,
            actor=partner_admin,
            now=NOW,
            co_sell_status="azure_ip_incentive",
        )
    assert "co_sell_status" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.offer_update(
            offer_id=azure_offer.pk, actor=partner_admin, now=NOW, solution_areas=["nope"]
        )
    assert "solution_areas" in exc.value.errors


def test_badge_follows_the_status(azure_offer):
    offer = evaluate(azure_offer)
    assert offer.badge_state == BadgeState.PENDING
    assert offer.badge_due_at == datetime(2026, 4, 1, tzinfo=UTC)  # epoch 2026-01-01 + 3 x 30 days
