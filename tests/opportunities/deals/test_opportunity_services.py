import pytest
from django.core.exceptions import PermissionDenied

from cosell.core import audit
from cosell.core.errors import (
    Conflict,
    InvalidTransition,
    PreconditionFailed,
    ValidationFailed,
)
from opportunities.deals import services
from opportunities.deals.choices import Category, Stage
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from tests.offers.factories import OfferFactory
from tests.opportunities.conftest import T0, days, make_opportunity
from tests.opportunities.factories import co_sell_ready_offer

pytestmark = pytest.mark.django_db


def verbs(obj):
    return [event.verb for event in audit.history(obj)]


# Categories and their rules


def test_private_deal_is_recorded_unshared_with_the_creator_on_the_team(partner, partner_user):
    opp = make_opportunity(partner, partner_user)
    assert opp.status == Opportunity.Status.ACTIVE
    assert opp.stage == Stage.CREATED and opp.progress == 10
    assert list(opp.team.values_list("user__username", flat=True)) == ["uma"]
    assert not opp.leads.exists()
    assert verbs(opp) == ["created"]


def test_microsoft_deal_needs_a_co_sell_ready_offer(partner, partner_admin):
    OfferFactory(partner=partner)  # not ready
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(partner, partner_admin, category=Category.MICROSOFT)
    assert "category" in exc.value.errors
    assert not Opportunity.objects.exists()


def test_microsoft_deal_sends_a_lead_to_microsoft(partner, partner_admin, ready_offer, seller):
    opp = make_opportunity(partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer)
    [lead] = opp.leads.all()
    assert lead.receiver == Lead.Receiver.MICROSOFT
    assert lead.receiver_seller.user == seller
    assert lead.status == Lead.Status.RECEIVED
    assert lead.expires_at == T0 + days(14)
    assert verbs(lead) == ["sent"]


def test_another_partners_offer_is_not_a_solution(partner, partner_admin, other_partner):
    foreign = OfferFactory(partner=other_partner)
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(partner, partner_admin, solutions=[{"offer_id": foreign.pk}])
    assert "solutions" in exc.value.errors


def test_at_least_one_solution(partner, partner_admin):
    with pytest.raises(ValidationFailed) as exc:
        services.opportunity_create(
            partner=partner,
            actor=partner_admin,
            now=T0,
            category="private",
            name="X",
            customer_name="Y",
            solutions=[],
        )
    assert "solutions" in exc.value.errors


def test_solution_assessment_rules(partner, partner_admin, ready_offer):
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(
            partner,
            partner_admin,
            category=Category.SOLUTION_ASSESSMENT,
            offer=ready_offer,
            customer_country="",
        )
    errors = exc.value.errors
    assert "category" in errors  # not vetted
    assert "assessment_type" in errors
    assert "customer_country" in errors
    partner.sa_vetted = True
    partner.save()
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.SOLUTION_ASSESSMENT,
        offer=ready_offer,
        assessment_type="data_ai",
    )
    from registrations import eligibility

    not_assessment = next(
        r for r in eligibility.checklist(opp, now=opp.created_at) if r.code == "not_assessment"
    )
    assert not_assessment.met is False  # never eligible for deal registration
    assert opp.leads.get().receiver == Lead.Receiver.MICROSOFT


def test_assessment_type_only_for_assessments(partner, partner_admin):
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(partner, partner_admin, assessment_type="security")
    assert "assessment_type" in exc.value.errors


def test_solution_assessment_passes_stages_in_order_before_won(partner, partner_admin, ready_offer):
    partner.sa_vetted = True
    partner.save()
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.SOLUTION_ASSESSMENT,
        offer=ready_offer,
        assessment_type="security",
    )
    with pytest.raises(InvalidTransition):
        services.opportunity_set_stage(
            opportunity_id=opp.pk, stage="developed", actor=partner_admin, now=T0
        )
    with pytest.raises(InvalidTransition):
        services.opportunity_close(
            opportunity_id=opp.pk, outcome="won", actor=partner_admin, now=T0
        )
    for stage in ("qualified", "developed", "proposed", "negotiated"):
        services.opportunity_set_stage(
            opportunity_id=opp.pk, stage=stage, actor=partner_admin, now=T0
        )
    with pytest.raises(InvalidTransition):
        services.opportunity_set_stage(
            opportunity_id=opp.pk, stage="qualified", actor=partner_admin, now=T0
        )
    opp = services.opportunity_close(
        opportunity_id=opp.pk, outcome="won", actor=partner_admin, now=T0
    )
    assert opp.stage == Stage.WON and opp.progress == 100


def test_other_categories_move_stages_freely_but_not_to_won(partner, partner_admin):
    opp = make_opportunity(partner, partner_admin)
    opp = services.opportunity_set_stage(
        opportunity_id=opp.pk, stage="proposed", actor=partner_admin, now=T0
    )
    assert opp.progress == 60
    again = services.opportunity_set_stage(
        opportunity_id=opp.pk, stage="proposed", actor=partner_admin, now=T0
    )
    assert again.version == opp.version
    opp = services.opportunity_set_stage(
        opportunity_id=opp.pk, stage="qualified", actor=partner_admin, now=T0
    )
    with pytest.raises(ValidationFailed):
        services.opportunity_set_stage(
            opportunity_id=opp.pk, stage="won", actor=partner_admin, now=T0
        )
    assert verbs(opp).count("stage_changed") == 2


def test_contact_only_with_consent(partner, partner_admin):
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(partner, partner_admin, contact_name="Ann", contact_email="a@x.com")
    assert "contact_consent" in exc.value.errors
    opp = make_opportunity(partner, partner_admin, contact_consent=True, contact_name="Ann")
    opp = services.opportunity_update(
        opportunity_id=opp.pk, actor=partner_admin, now=T0, contact_consent=False
    )
    assert (opp.contact_name, opp.contact_email) == ("", "")


# P2P, invitations and upgrades


def test_p2p_sends_a_lead_to_each_invited_partner(partner, partner_admin, other_partner):
    from tests.partners.factories import PartnerFactory

    third = PartnerFactory()
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        invite_partner_ids=[other_partner.pk, third.pk],
    )
    assert set(opp.leads.values_list("receiver_partner", flat=True)) == {other_partner.pk, third.pk}


def test_invite(partner, partner_admin, other_partner):
    opp = make_opportunity(partner, partner_admin, category=Category.P2P)
    lead = services.opportunity_invite(
        opportunity_id=opp.pk, partner_id=other_partner.pk, actor=partner_admin, now=T0
    )
    assert lead.receiver_partner == other_partner
    again = services.opportunity_invite(
        opportunity_id=opp.pk, partner_id=other_partner.pk, actor=partner_admin, now=T0
    )
    assert again.pk == lead.pk
    with pytest.raises(ValidationFailed):
        services.opportunity_invite(
            opportunity_id=opp.pk, partner_id=partner.pk, actor=partner_admin, now=T0
        )
    with pytest.raises(ValidationFailed) as exc:
        services.opportunity_invite(
            opportunity_id=opp.pk, partner_id=999999, actor=partner_admin, now=T0
        )
    assert "partner_id" in exc.value.errors
    assert "invited" in verbs(opp)


def test_invite_only_for_p2p(partner, partner_admin, other_partner):
    opp = make_opportunity(partner, partner_admin)
    with pytest.raises(Conflict):
        services.opportunity_invite(
            opportunity_id=opp.pk, partner_id=other_partner.pk, actor=partner_admin, now=T0
        )


def test_private_upgrades_and_sends_the_leads_of_its_new_category(
    partner, partner_admin, ready_offer
):
    opp = make_opportunity(partner, partner_admin, offer=ready_offer)
    opp = services.opportunity_upgrade(
        opportunity_id=opp.pk, category="microsoft", actor=partner_admin, now=T0
    )
    assert opp.category == Category.MICROSOFT
    assert opp.leads.get().receiver == Lead.Receiver.MICROSOFT
    again = services.opportunity_upgrade(
        opportunity_id=opp.pk, category="microsoft", actor=partner_admin, now=T0
    )
    assert again.version == opp.version and opp.leads.count() == 1
    with pytest.raises(Conflict):
        services.opportunity_upgrade(
            opportunity_id=opp.pk, category="p2p", actor=partner_admin, now=T0
        )
    assert "upgraded" in verbs(opp)


def test_upgrade_to_p2p_invites(partner, partner_admin, other_partner):
    opp = make_opportunity(partner, partner_admin)
    services.opportunity_upgrade(
        opportunity_id=opp.pk,
        category="p2p",
        partner_ids=[other_partner.pk],
        actor=partner_admin,
        now=T0,
    )
    assert opp.leads.get().receiver_partner == other_partner


def test_upgrade_checks_the_new_category_rules(partner, partner_admin):
    opp = make_opportunity(partner, partner_admin)
    with pytest.raises(ValidationFailed):
        services.opportunity_upgrade(
            opportunity_id=opp.pk, category="microsoft", actor=partner_admin, now=T0
        )
    with pytest.raises(ValidationFailed):
        services.opportunity_upgrade(
            opportunity_id=opp.pk, category="private", actor=partner_admin, now=T0
        )


def test_closed_deal_cannot_be_upgraded(partner, partner_admin, ready_offer):
    opp = make_opportunity(partner, partner_admin, offer=ready_offer)
    services.opportunity_close(
        opportunity_id=opp.pk,
        outcome="lost",
        reason="budget_not_adequate",
        actor=partner_admin,
        now=T0,
    )
    with pytest.raises(InvalidTransition):
        services.opportunity_upgrade(
            opportunity_id=opp.pk, category="microsoft", actor=partner_admin, now=T0
        )


# Close and terminal states


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [("won", ""), ("lost", "chose_another_vendor"), ("error", "test_referral")],
)
def test_close(partner, partner_admin, outcome, reason):
    opp = make_opportunity(partner, partner_admin)
    opp = services.opportunity_close(
        opportunity_id=opp.pk, outcome=outcome, reason=reason, actor=partner_admin, now=T0
    )
    assert opp.status == outcome and opp.closed_at == T0
    again = services.opportunity_close(
        opportunity_id=opp.pk, outcome=outcome, reason=reason, actor=partner_admin, now=T0 + days(1)
    )
    assert again.closed_at == T0
    assert verbs(opp).count("closed") == 1
    other = "lost" if outcome != "lost" else "won"
    with pytest.raises(InvalidTransition) as exc:
        services.opportunity_close(
            opportunity_id=opp.pk, outcome=other, reason="other", actor=partner_admin, now=T0
        )
    assert exc.value.extra["current_status"] == outcome
    with pytest.raises(InvalidTransition):
        services.opportunity_update(opportunity_id=opp.pk, actor=partner_admin, now=T0, name="New")
    with pytest.raises(InvalidTransition):
        services.opportunity_set_stage(
            opportunity_id=opp.pk, stage="proposed", actor=partner_admin, now=T0
        )


def test_close_reasons_are_checked(partner, partner_admin):
    opp = make_opportunity(partner, partner_admin)
    with pytest.raises(ValidationFailed):
        services.opportunity_close(
            opportunity_id=opp.pk, outcome="lost", reason="duplicate", actor=partner_admin, now=T0
        )
    with pytest.raises(ValidationFailed):
        services.opportunity_close(
            opportunity_id=opp.pk,
            outcome="error",
            reason="budget_not_adequate",
            actor=partner_admin,
            now=T0,
        )
    with pytest.raises(ValidationFailed):
        services.opportunity_close(
            opportunity_id=opp.pk, outcome="maybe", actor=partner_admin, now=T0
        )


def test_closing_withdraws_open_leads(partner, partner_admin, ready_offer):
    opp = make_opportunity(partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer)
    services.opportunity_close(
        opportunity_id=opp.pk,
        outcome="error",
        reason="duplicate_in_portal",
        actor=partner_admin,
        now=T0,
    )
    lead = opp.leads.get()
    assert lead.status == Lead.Status.WITHDRAWN
    assert "withdrawn" in verbs(lead)


# Update and versions


def test_update_bumps_the_version_and_honours_the_expected_one(partner, partner_admin):
    opp = make_opportunity(partner, partner_admin)
    assert opp.version == 1
    opp = services.opportunity_update(
        opportunity_id=opp.pk, actor=partner_admin, now=T0, expected_version=1, name="Renamed"
    )
    assert opp.version == 2
    with pytest.raises(PreconditionFailed):
        services.opportunity_update(
            opportunity_id=opp.pk, actor=partner_admin, now=T0, expected_version=1, name="Stale"
        )
    same = services.opportunity_update(
        opportunity_id=opp.pk, actor=partner_admin, now=T0, name="Renamed"
    )
    assert same.version == 2
    assert verbs(opp) == ["updated", "created"]


def test_only_the_owner_side_writes(partner, partner_admin, other_partner_admin, seller):
    opp = make_opportunity(partner, partner_admin)
    for actor in (other_partner_admin, seller):
        with pytest.raises(PermissionDenied):
            services.opportunity_update(opportunity_id=opp.pk, actor=actor, now=T0, name="X")


# Duplicates


def test_duplicate_customer_and_solution_is_refused_unless_confirmed(
    partner, partner_admin, ready_offer
):
    first = make_opportunity(
        partner, partner_admin, offer=ready_offer, customer_name="Northwind Traders, Inc."
    )
    with pytest.raises(services.DuplicateOpportunity) as exc:
        make_opportunity(
            partner, partner_admin, offer=ready_offer, customer_name="northwind traders"
        )
    assert exc.value.extra["duplicate_of"] == first.pk
    second = make_opportunity(
        partner,
        partner_admin,
        offer=ready_offer,
        customer_name="northwind traders",
        confirm_duplicate=True,
    )
    assert second.pk != first.pk


def test_duplicate_by_duns_or_named_solution(partner, partner_admin):
    first = make_opportunity(partner, partner_admin, customer_name="A", customer_duns="123")
    with pytest.raises(services.DuplicateOpportunity):
        make_opportunity(
            partner,
            partner_admin,
            customer_name="Other name",
            customer_duns="123",
            solutions=[{"kind": "microsoft", "name": "azure"}],
        )
    assert first


def test_not_duplicates(partner, partner_admin, other_partner, other_partner_admin, ready_offer):
    make_opportunity(partner, partner_admin, offer=ready_offer)
    # another solution
    make_opportunity(partner, partner_admin, solutions=[{"kind": "third_party", "name": "SAP"}])
    # another partner
    make_opportunity(other_partner, other_partner_admin)
    # the first one closed
    first = Opportunity.objects.filter(partner=partner).order_by("id").first()
    services.opportunity_close(opportunity_id=first.pk, outcome="won", actor=partner_admin, now=T0)
    make_opportunity(partner, partner_admin, offer=ready_offer)


@pytest.mark.parametrize("status", ["azure_ip_incentive", "bizapps_standard", "bizapps_premium"])
def test_every_co_sell_ready_status_counts(partner, partner_admin, status):
    offer = co_sell_ready_offer(partner)
    offer.co_sell_status = status
    offer.save()
    opp = make_opportunity(partner, partner_admin, category=Category.MICROSOFT, offer=offer)
    assert opp.category == Category.MICROSOFT
