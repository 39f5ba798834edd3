from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from cosell.core import audit
from cosell.core.errors import InvalidTransition, ValidationFailed
from opportunities.deals.choices import Category, Stage
from opportunities.deals.models import Opportunity, TeamMember
from opportunities.leads import services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import T0, days, make_opportunity
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def verbs(obj):
    return [event.verb for event in audit.history(obj)]


@pytest.fixture
def ms_lead(partner, partner_admin, ready_offer, seller):
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        value=None,
        close_date=None,
    )
    return opp.leads.get()


@pytest.fixture
def p2p_lead(partner, partner_admin, other_partner):
    opp = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    return opp.leads.get()


# Routing


def test_routing_by_country_and_solution_area(
    partner, partner_admin, ready_offer, seller, cn_seller
):
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        customer_country="CN",
    )
    assert opp.leads.get().receiver_seller.user == cn_seller


def test_no_covering_seller_queues_the_lead(partner, partner_admin, ready_offer, seller):
    # the seller covers data_ai and infrastructure in the US, not security
    security = co_sell_ready_offer(partner, solution_areas=["security"])
    opp = make_opportunity(partner, partner_admin, category=Category.MICROSOFT, offer=security)
    lead = opp.leads.get()
    assert lead.receiver_seller is None and lead.in_queue
    germany = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        customer_country="DE",
        name="DE deal",
    )
    assert germany.leads.get().in_queue


def test_assessments_go_to_the_sa_team(partner, partner_admin, ready_offer, seller, sa_seller):
    partner.sa_vetted = True
    partner.save()
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.SOLUTION_ASSESSMENT,
        offer=ready_offer,
        assessment_type="data_ai",
    )
    assert opp.leads.get().receiver_seller.user == sa_seller


def test_routing_prefers_the_least_loaded_covering_seller(
    partner, partner_admin, ready_offer, seller
):
    second = SellerFactory(user=UserFactory(username="sol"), countries=["US"]).user
    first = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        name="one",
        customer_name="C1",
    )
    then = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        name="two",
        customer_name="C2",
    )
    assert {first.leads.get().receiver_seller.user, then.leads.get().receiver_seller.user} == {
        seller,
        second,
    }


# Accept


def test_accept(ms_lead, seller, partner_admin, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with_value = services.lead_accept(
            lead_id=ms_lead.pk,
            actor=seller,
            now=T0 + days(1),
            value=Decimal("900"),
            close_date=T0.date(),
        )
    assert with_value.status == Lead.Status.ACCEPTED
    assert with_value.answered_by == seller
    opp = Opportunity.objects.get(pk=ms_lead.opportunity_id)
    assert opp.team.filter(user=seller, role=TeamMember.Role.SELLER).exists()
    assert opp.value == Decimal("900") and opp.close_date == T0.date()
    assert opp.stage == Stage.ACCEPTED
    assert verbs(ms_lead) == ["accepted", "sent"]
    assert [m.to for m in mail.outbox] == [[partner_admin.email]]
    assert "accepted" in mail.outbox[0].subject
    # Accepting twice returns it unchanged
    again = services.lead_accept(lead_id=ms_lead.pk, actor=seller, now=T0 + days(2))
    assert again.answered_at == T0 + days(1)
    assert verbs(ms_lead).count("accepted") == 1


def test_accept_fills_only_what_is_missing(p2p_lead, other_partner_user):
    services.lead_accept(
        lead_id=p2p_lead.pk, actor=other_partner_user, now=T0, value=Decimal(1), notes="hello"
    )
    opp = Opportunity.objects.get(pk=p2p_lead.opportunity_id)
    assert opp.value == Decimal(50000)
    assert opp.notes == "hello"
    assert opp.team.filter(user=other_partner_user, role=TeamMember.Role.PARTNER).exists()


@pytest.mark.parametrize("status", ["declined", "expired", "withdrawn"])
def test_accept_from_a_final_state_is_refused(ms_lead, seller, status):
    Lead.objects.filter(pk=ms_lead.pk).update(status=status)
    with pytest.raises(InvalidTransition) as exc:
        services.lead_accept(lead_id=ms_lead.pk, actor=seller, now=T0)
    assert exc.value.extra["current_status"] == status


def test_accept_after_the_expiry_time_is_refused_even_before_the_job(ms_lead, seller):
    with pytest.raises(InvalidTransition) as exc:
        services.lead_accept(lead_id=ms_lead.pk, actor=seller, now=T0 + days(14))
    assert exc.value.extra["current_status"] == "expired"


def test_only_the_receiver_accepts(ms_lead, cn_seller, partner_admin, other_partner_admin):
    for actor in (cn_seller, partner_admin, other_partner_admin):
        with pytest.raises(PermissionDenied):
            services.lead_accept(lead_id=ms_lead.pk, actor=actor, now=T0)


def test_someone_else_accepting_hears_who_took_it(partner, partner_admin, ready_offer):
    security = co_sell_ready_offer(partner, solution_areas=["security"])
    lead = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=security
    ).leads.get()
    first = SellerFactory(user=UserFactory(username="a", first_name="Amy", last_name="A")).user
    second = SellerFactory(user=UserFactory(username="b")).user
    services.lead_accept(lead_id=lead.pk, actor=first, now=T0)
    lead.refresh_from_db()
    assert lead.receiver_seller.user == first and lead.taken_from_queue
    with pytest.raises(InvalidTransition) as exc:
        services.lead_accept(lead_id=lead.pk, actor=second, now=T0)
    assert exc.value.extra["accepted_by"] == "Amy A"
    assert exc.value.extra["current_status"] == "accepted"


# Decline and withdraw


def test_decline(ms_lead, seller, partner_admin, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationFailed) as exc:
        services.lead_decline(lead_id=ms_lead.pk, actor=seller, reason="", notes="", now=T0)
    assert set(exc.value.errors) == {"reason", "notes"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_decline(
            lead_id=ms_lead.pk,
            actor=seller,
            reason="not_a_customer",
            notes="Unknown company",
            now=T0,
        )
    assert lead.status == Lead.Status.DECLINED and lead.decline_reason == "not_a_customer"
    assert "declined" in mail.outbox[0].subject
    again = services.lead_decline(
        lead_id=ms_lead.pk, actor=seller, reason="other", notes="x", now=T0
    )
    assert again.decline_reason == "not_a_customer"
    assert verbs(ms_lead) == ["declined", "sent"]
    with pytest.raises(InvalidTransition) as exc:
        services.lead_accept(lead_id=ms_lead.pk, actor=seller, now=T0)
    assert exc.value.extra["current_status"] == "declined"


def test_decline_from_accepted_is_refused(ms_lead, seller):
    services.lead_accept(lead_id=ms_lead.pk, actor=seller, now=T0)
    with pytest.raises(InvalidTransition):
        services.lead_decline(lead_id=ms_lead.pk, actor=seller, reason="other", notes="x", now=T0)


def test_withdraw(p2p_lead, partner_admin, other_partner_admin):
    with pytest.raises(PermissionDenied):
        services.lead_withdraw(lead_id=p2p_lead.pk, actor=other_partner_admin, now=T0)
    lead = services.lead_withdraw(lead_id=p2p_lead.pk, actor=partner_admin, now=T0)
    assert lead.status == Lead.Status.WITHDRAWN
    assert services.lead_withdraw(lead_id=p2p_lead.pk, actor=partner_admin, now=T0).pk
    assert verbs(p2p_lead) == ["withdrawn", "sent"]
    with pytest.raises(InvalidTransition):
        services.lead_accept(lead_id=p2p_lead.pk, actor=other_partner_admin, now=T0)


def test_withdraw_an_answered_lead_is_refused(p2p_lead, partner_admin, other_partner_admin):
    services.lead_accept(lead_id=p2p_lead.pk, actor=other_partner_admin, now=T0)
    with pytest.raises(InvalidTransition):
        services.lead_withdraw(lead_id=p2p_lead.pk, actor=partner_admin, now=T0)


# Leads from sellers and the marketplace


def test_seller_lead_becomes_the_partners_opportunity_on_accept(
    seller, partner, ready_offer, partner_admin, partner_user, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.seller_lead_send(
            actor=seller,
            partner_id=partner.pk,
            offer_id=ready_offer.pk,
            customer_name="Tailspin",
            customer_country="US",
            now=T0,
            value=Decimal("1000"),
            currency="EUR",
            contact_consent=True,
            contact_name="Tom",
        )
    assert lead.receiver_partner == partner and lead.opportunity is None
    assert [m.to for m in mail.outbox] == [[partner_admin.email]]  # the partner's admins
    lead = services.lead_accept(lead_id=lead.pk, actor=partner_user, now=T0 + days(1))
    opp = lead.opportunity
    assert opp.partner == partner and opp.category == Category.MICROSOFT
    assert opp.value == Decimal("1000") and opp.currency == "EUR"
    assert opp.contact_name == "Tom"
    assert set(opp.team.values_list("user__username", "role")) == {
        ("uma", "owner"),
        ("sam", "seller"),
    }
    assert opp.solutions.get().offer == ready_offer


def test_seller_lead_needs_a_co_sell_ready_offer_of_that_partner(
    seller, partner, other_partner, ready_offer
):
    from tests.offers.factories import OfferFactory

    with pytest.raises(ValidationFailed):
        services.seller_lead_send(
            actor=seller,
            partner_id=other_partner.pk,
            offer_id=ready_offer.pk,
            customer_name="X",
            now=T0,
        )
    with pytest.raises(ValidationFailed):
        services.seller_lead_send(
            actor=seller,
            partner_id=partner.pk,
            offer_id=OfferFactory(partner=partner).pk,
            customer_name="X",
            now=T0,
        )
    with pytest.raises(ValidationFailed) as exc:
        services.seller_lead_send(
            actor=seller, partner_id=12345678, offer_id=ready_offer.pk, customer_name="X", now=T0
        )
    assert "partner_id" in exc.value.errors


def test_only_sellers_send_leads(partner_admin, partner, ready_offer):
    with pytest.raises(PermissionDenied):
        services.seller_lead_send(
            actor=partner_admin,
            partner_id=partner.pk,
            offer_id=ready_offer.pk,
            customer_name="X",
            now=T0,
        )


@pytest.mark.parametrize("cta", ["get_it_now", "free_trial", "test_drive", "contact_me"])
def test_marketplace_leads(partner, partner_admin, ready_offer, cta):
    lead = services.marketplace_lead_create(
        offer_id=ready_offer.pk, call_to_action=cta, customer_name="Woodgrove", now=T0
    )
    assert lead.source == Lead.Source.MARKETPLACE and lead.receiver_partner == partner
    lead = services.lead_accept(lead_id=lead.pk, actor=partner_admin, now=T0)
    assert lead.opportunity.category == Category.PRIVATE


def test_marketplace_lead_validation(ready_offer):
    with pytest.raises(ValidationFailed):
        services.marketplace_lead_create(
            offer_id=ready_offer.pk, call_to_action="buy", customer_name="W", now=T0
        )
    with pytest.raises(ValidationFailed):
        services.marketplace_lead_create(
            offer_id=ready_offer.pk,
            call_to_action="free_trial",
            customer_name="W",
            contact_email="w@x.com",
            now=T0,
        )


# Reassign


def test_reassign(ms_lead, admin_user, cn_seller, seller):
    new = cn_seller.seller
    with pytest.raises(PermissionDenied):
        services.lead_reassign(lead_id=ms_lead.pk, seller_id=new.pk, actor=seller, now=T0)
    lead = services.lead_reassign(lead_id=ms_lead.pk, seller_id=new.pk, actor=admin_user, now=T0)
    assert lead.receiver_seller == new
    assert (
        services.lead_reassign(
            lead_id=ms_lead.pk, seller_id=new.pk, actor=admin_user, now=T0
        ).receiver_seller
        == new
    )
    assert verbs(ms_lead).count("reassigned") == 1
    services.lead_accept(lead_id=ms_lead.pk, actor=cn_seller, now=T0)
    with pytest.raises(InvalidTransition):
        services.lead_reassign(
            lead_id=ms_lead.pk, seller_id=seller.seller.pk, actor=admin_user, now=T0
        )


def test_reassign_partner_leads_is_refused(p2p_lead, admin_user, seller):
    with pytest.raises(ValidationFailed):
        services.lead_reassign(
            lead_id=p2p_lead.pk, seller_id=seller.seller.pk, actor=admin_user, now=T0
        )
