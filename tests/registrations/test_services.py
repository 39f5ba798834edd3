"""Registration's states: every allowed and forbidden move, the review triggers, the audit
trail and the webhook events."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from cosell.core import audit
from cosell.core.errors import InvalidTransition, ValidationFailed
from cosell.webhooks.models import OutboxEvent
from opportunities.leads.models import Lead
from registrations import services
from registrations.models import DealRegistration, ExceptionRequest
from tests.opportunities.factories import LeadFactory

from .conftest import NOW, WON_AT, form

State = DealRegistration.State


def register(deal, actor, **changes):
    return services.registration_create(
        opportunity_id=deal.pk, actor=actor, now=NOW, **form(**changes)
    )


def test_registering_an_eligible_deal_approves_it_at_once(deal, partner_admin):
    registration = register(deal, partner_admin)
    assert registration.state == State.APPROVED
    verbs = list(
        audit.history(registration).order_by("id").values_list("verb", "from_state", "to_state")
    )
    assert verbs == [
        ("created", "", "registration_pending"),
        ("approved", "registration_pending", "approved"),
    ]
    event = OutboxEvent.objects.get(type="deal_registration.created")
    assert event.partner_id == deal.partner_id
    assert event.data["state"] == "approved"


def test_registering_twice_is_a_conflict(deal, partner_admin):
    register(deal, partner_admin)
    with pytest.raises(InvalidTransition):
        register(deal, partner_admin)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"pricing_model": "pay_as_you_go"}, "pay_as_you_go"),
        (
            {"total_contract_value": Decimal("1000000.01"), "solution_value": Decimal("1")},
            "annual_value_above_limit",
        ),
    ],
)
def test_manual_review_triggers(deal, partner_admin, changes, reason):
    registration = register(deal, partner_admin, **changes)
    assert registration.state == State.REVIEW_PENDING
    assert registration.review_reasons == [reason]


def test_exactly_usd_1000000_a_year_is_approved(deal, partner_admin):
    registration = register(
        deal, partner_admin, total_contract_value=Decimal("1000000"), solution_value=Decimal("1")
    )
    assert registration.state == State.APPROVED


def test_several_partners_on_the_deal_need_review(deal, partner_admin, other_partner):
    LeadFactory(
        opportunity=deal,
        receiver=Lead.Receiver.PARTNER,
        receiver_partner=other_partner,
        status=Lead.Status.ACCEPTED,
    )
    assert register(deal, partner_admin).review_reasons == ["several_partners"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"solution_value": Decimal("100000.01")}, "solution_value"),
        ({"contract_signed_date": (NOW + timedelta(days=1)).date()}, "contract_signed_date"),
        ({"contract_signed_date": (NOW - timedelta(days=61)).date()}, "contract_signed_date"),
        ({"contract_start_date": (NOW - timedelta(days=91)).date()}, "contract_start_date"),
        ({"contract_end_date": None}, "contract_end_date"),
        ({"perpetual": True}, "contract_end_date"),
        ({"marketplace_transaction": True}, "marketplace_transaction_date"),
        ({"total_contract_value": Decimal("0")}, "total_contract_value"),
        ({"tenant_type": "elsewhere"}, "tenant_type"),
    ],
)
def test_the_form_is_checked_field_by_field(deal, partner_admin, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        register(deal, partner_admin, **changes)
    assert field in caught.value.errors
    assert not DealRegistration.objects.exists()


def test_signed_before_the_deal_existed_is_refused(deal, partner_admin):
    with pytest.raises(ValidationFailed) as caught:
        register(
            deal, partner_admin, contract_signed_date=(deal.created_at - timedelta(days=1)).date()
        )
    assert "contract_signed_date" in caught.value.errors


@pytest.mark.parametrize(("total", "ok"), [("150000", True), ("149999.94", False)])
def test_a_perpetual_contracts_annual_value_must_reach_usd_25000(deal, partner_admin, total, ok):
    changes = {
        "perpetual": True,
        "contract_end_date": None,
        "total_contract_value": Decimal(total),
        "solution_value": Decimal("1"),
    }
    if ok:
        assert register(deal, partner_admin, **changes).annual_value_usd == Decimal("25000.00")
    else:
        with pytest.raises(ValidationFailed) as caught:
            register(deal, partner_admin, **changes)
        assert "total_contract_value" in caught.value.errors


def test_an_ineligible_deal_is_refused_naming_the_rules(deal, partner_admin):
    deal.customer_account = "other"
    deal.save()
    with pytest.raises(InvalidTransition) as caught:
        register(deal, partner_admin)
    assert caught.value.extra["unmet"] == ["customer_managed"]


def test_the_review_path(deal, partner_admin, admin_user):
    registration = register(deal, partner_admin, pricing_model="pay_as_you_go")
    with pytest.raises(PermissionDenied):  # a partner never reviews its own registration
        services.registration_pass(registration_id=registration.pk, actor=partner_admin, now=NOW)
    asked = services.registration_request_action(
        registration_id=registration.pk, actor=admin_user, now=NOW, message="Send the PO."
    )
    assert asked.state == State.ACTION_REQUIRED
    again = services.registration_request_action(
        registration_id=registration.pk, actor=admin_user, now=NOW, message="Send the PO."
    )
    assert again.version == asked.version  # a double click changes nothing
    with pytest.raises(InvalidTransition):
        services.registration_pass(registration_id=registration.pk, actor=admin_user, now=NOW)
    back = services.registration_resubmit(
        registration_id=registration.pk, actor=partner_admin, now=NOW, answer="Attached."
    )
    assert back.state == State.REVIEW_PENDING and back.partner_answer == "Attached."
    passed = services.registration_pass(registration_id=registration.pk, actor=admin_user, now=NOW)
    assert passed.state == State.REVIEW_PASSED
    closed = services.registration_close(
        registration_id=registration.pk, actor=partner_admin, now=NOW
    )
    assert closed.state == State.CLOSED
    with pytest.raises(InvalidTransition):
        services.registration_fail(
            registration_id=registration.pk, actor=admin_user, now=NOW, message="late"
        )
    verbs = list(audit.history(registration).order_by("id").values_list("verb", flat=True))
    assert verbs == [
        "created",
        "review_requested",
        "action_requested",
        "resubmitted",
        "review_passed",
        "closed",
    ]
    assert OutboxEvent.objects.filter(type="deal_registration.updated").count() == 4


@pytest.mark.parametrize(
    ("state", "move"),
    [
        (State.APPROVED, "pass"),
        (State.APPROVED, "request_action"),
        (State.APPROVED, "resubmit"),
        (State.REVIEW_PENDING, "close"),
        (State.ACTION_REQUIRED, "close"),
        (State.CLOSED, "fail"),
    ],
)
def test_forbidden_moves(deal, partner_admin, admin_user, state, move):
    registration = register(deal, partner_admin)
    DealRegistration.objects.filter(pk=registration.pk).update(state=state)
    pk = registration.pk
    calls = {
        "pass": lambda: services.registration_pass(registration_id=pk, actor=admin_user, now=NOW),
        "request_action": lambda: services.registration_request_action(
            registration_id=pk, actor=admin_user, now=NOW, message="x"
        ),
        "resubmit": lambda: services.registration_resubmit(
            registration_id=pk, actor=partner_admin, now=NOW, answer="x"
        ),
        "close": lambda: services.registration_close(
            registration_id=pk, actor=partner_admin, now=NOW
        ),
        "fail": lambda: services.registration_fail(
            registration_id=pk, actor=admin_user, now=NOW, message="x"
        ),
    }
    with pytest.raises(InvalidTransition):
        calls[move]()
    assert DealRegistration.objects.get(pk=registration.pk).state == state


def test_correcting_an_approved_registration_can_send_it_to_review(deal, partner_admin):
    registration = register(deal, partner_admin)
    updated = services.registration_update(
        registration_id=registration.pk, actor=partner_admin, now=NOW, pricing_model="pay_as_you_go"
    )
    assert updated.state == State.REVIEW_PENDING


def test_an_exception_request_lets_an_ineligible_deal_register_after_review(
    deal, partner_admin, admin_user
):
    deal.customer_account = "microsoft_unmanaged"
    deal.save()
    with pytest.raises(ValidationFailed):
        services.exception_request_create(
            opportunity_id=deal.pk, actor=partner_admin, now=NOW, reason="x" * 5001
        )
    request = services.exception_request_create(
        opportunity_id=deal.pk,
        actor=partner_admin,
        now=NOW,
        reason="A managed account in all but name.",
    )
    with pytest.raises(InvalidTransition):  # one per deal
        services.exception_request_create(
            opportunity_id=deal.pk, actor=partner_admin, now=NOW, reason="Another."
        )
    with pytest.raises(PermissionDenied):
        services.exception_request_answer(
            exception_id=request.pk, actor=partner_admin, now=NOW, grant=True
        )
    services.exception_request_answer(
        exception_id=request.pk, actor=admin_user, now=NOW, grant=True
    )
    assert ExceptionRequest.objects.get().state == ExceptionRequest.State.GRANTED
    registration = register(deal, partner_admin)
    assert registration.state == State.REVIEW_PENDING
    assert registration.review_reasons == ["exception"]


def test_an_exception_after_the_window_is_refused(deal, partner_admin):
    with pytest.raises(InvalidTransition):
        services.exception_request_create(
            opportunity_id=deal.pk, actor=partner_admin, now=WON_AT + timedelta(days=61), reason="x"
        )


def test_the_customer_account_is_confirmed_by_a_seller_on_the_deal(
    deal, partner_admin, seller, other_partner_admin
):
    with pytest.raises(PermissionDenied):
        services.customer_account_confirm(opportunity_id=deal.pk, actor=partner_admin, now=NOW)
    confirmed = services.customer_account_confirm(opportunity_id=deal.pk, actor=seller, now=NOW)
    assert confirmed.customer_account_confirmed_by == seller
    changed = services.customer_account_set(
        opportunity_id=deal.pk, actor=partner_admin, now=NOW, customer_account="other"
    )
    assert changed.customer_account_confirmed_at is None  # a new statement needs a new check
    with pytest.raises(PermissionDenied):
        services.customer_account_set(
            opportunity_id=deal.pk,
            actor=other_partner_admin,
            now=NOW,
            customer_account="microsoft_managed",
        )
