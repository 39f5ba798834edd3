"""The status engine: every requirement row of domain.md, each status both ways. Pure: no DB."""

from decimal import Decimal

import pytest

from cosell.partners.models import Partner
from offers.models import CoSellStatus, Offer, OfferType
from offers.status_engine import Code, deciding_requirement, evaluate

READY_DOCS = ["one_pager", "pitch_deck"]
ALL_DOCS = [*READY_DOCS, "architecture_diagram"]


def partner(**kw):
    values = {
        "name": "P",
        "partner_id": "1234567",
        "country": "US",
        "business_profile_complete": True,
        "solutions_partner_designation": False,
        "isv_connect_tier": "none",
        "acr_trailing_12m_usd": Decimal("0"),
    }
    values.update(kw)
    return Partner(**values)


def offer(**kw):
    values = {
        "name": "O",
        "offer_type": OfferType.POWER_BI_APP,
        "listing_state": Offer.ListingState.LIVE,
        "solution_type": Offer.SolutionType.IP,
        "transactable": False,
        "has_paid_plan": False,
        "billed_revenue_12m_usd": Decimal("0"),
        "technical_validation": Offer.TechnicalValidation.NOT_SUBMITTED,
        "is_office_add_in": False,
    }
    values.update(kw)
    return Offer(**values)


def azure_offer(**kw):
    values = {
        "offer_type": OfferType.SAAS,
        "technical_validation": Offer.TechnicalValidation.PASSED,
    }
    values.update(kw)
    return offer(**values)


def rich_partner(**kw):
    return partner(acr_trailing_12m_usd=Decimal("100000"), **kw)


def run(o=None, p=None, docs=READY_DOCS, roles=("sales",)):
    return evaluate(o or offer(), p or partner(), docs, list(roles))


def met(evaluation, code):
    return next(r for r in evaluation.checklist if r.code == code).met


def test_an_offer_meeting_every_row_is_co_sell_ready():
    result = run()
    assert result.status == CoSellStatus.CO_SELL_READY
    assert all(r.met for r in result.requirements_for(CoSellStatus.CO_SELL_READY))


@pytest.mark.parametrize(
    ("code", "kwargs"),
    [
        (Code.PARTNER_ID, {"p": partner(partner_id="")}),
        (Code.BUSINESS_PROFILE, {"p": partner(business_profile_complete=False)}),
        (Code.OFFER_LIVE, {"o": offer(listing_state=Offer.ListingState.DRAFT)}),
        (Code.ONE_PAGER, {"docs": ["pitch_deck"]}),
        (Code.PITCH_DECK, {"docs": ["one_pager"]}),
        (Code.SALES_CONTACT, {"roles": ("marketing", "technical_sales")}),
        (Code.SALES_CONTACT, {"roles": ()}),
        (Code.SOLUTION_TYPE, {"o": offer(solution_type="")}),
        (
            Code.SERVICES_DESIGNATION,
            {"o": offer(offer_type=OfferType.CONSULTING_SERVICE, solution_type="service")},
        ),
        (
            Code.SERVICES_DESIGNATION,
            {"o": offer(offer_type=OfferType.MANAGED_SERVICE, solution_type="managed_service")},
        ),
        # Keyed on the solution type, not the offer type.
        (
            Code.SERVICES_DESIGNATION,
            {"o": offer(offer_type=OfferType.SAAS, solution_type="service")},
        ),
        (Code.NOT_OFFICE_ADD_IN, {"o": offer(is_office_add_in=True)}),
        (Code.OFFER_ISV_CONNECT, {"o": offer(offer_type=OfferType.DYNAMICS_365_CE_POWER_APPS)}),
        (Code.OFFER_ISV_CONNECT, {"o": offer(offer_type=OfferType.DYNAMICS_365_OPERATIONS)}),
    ],
)
def test_each_co_sell_ready_row_is_required(code, kwargs):
    result = run(**kwargs)
    assert result.status == CoSellStatus.NOT_READY
    ready_rows = result.requirements_for(CoSellStatus.CO_SELL_READY)
    assert [r.code for r in ready_rows if not r.met] == [code]
    assert result.next_missing().code == code


def test_services_offers_are_ready_with_a_solutions_partner_designation():
    result = run(
        o=offer(offer_type=OfferType.CONSULTING_SERVICE, solution_type="service"),
        p=partner(solutions_partner_designation=True),
    )
    assert result.status == CoSellStatus.CO_SELL_READY
    assert met(result, Code.SERVICES_DESIGNATION)


def test_a_saas_offer_whose_solution_type_is_service_needs_the_designation():
    """Fails on the old engine, which keyed the designation on the offer type."""
    without = run(o=offer(offer_type=OfferType.SAAS, solution_type="service"))
    assert without.status == CoSellStatus.NOT_READY
    assert without.unmet == [Code.SERVICES_DESIGNATION, *without.unmet[1:]]
    designated = run(
        o=offer(offer_type=OfferType.SAAS, solution_type="service"),
        p=partner(solutions_partner_designation=True),
    )
    assert designated.status == CoSellStatus.CO_SELL_READY


def test_an_ip_solution_needs_no_designation_whatever_the_offer_type():
    result = run(o=offer(offer_type=OfferType.CONSULTING_SERVICE, solution_type="ip"))
    assert met(result, Code.SERVICES_DESIGNATION)
    assert result.status == CoSellStatus.CO_SELL_READY


def test_a_blank_solution_type_is_not_ready():
    """Fails on the old engine: a blank solution type reached co-sell ready."""
    result = run(o=offer(solution_type=""))
    assert result.status == CoSellStatus.NOT_READY
    assert result.next_missing().code == Code.SOLUTION_TYPE


@pytest.mark.parametrize(
    "offer_type", [OfferType.DYNAMICS_365_CE_POWER_APPS, OfferType.DYNAMICS_365_OPERATIONS]
)
def test_dynamics_ce_and_operations_need_the_offer_enrolled_in_isv_connect(offer_type):
    """Fails on the old engine: these became co-sell ready without the enrollment, even with a
    premium partner."""
    premium = partner(isv_connect_tier="premium")
    not_enrolled = run(o=offer(offer_type=offer_type), p=premium)
    assert not_enrolled.status == CoSellStatus.NOT_READY
    assert not_enrolled.next_missing().code == Code.OFFER_ISV_CONNECT
    enrolled = run(o=offer(offer_type=offer_type, isv_connect_enrolled=True), p=premium)
    assert enrolled.status == CoSellStatus.BIZAPPS_PREMIUM


@pytest.mark.parametrize(
    "offer_type",
    [OfferType.DYNAMICS_365_BUSINESS_CENTRAL, OfferType.SAAS, OfferType.POWER_BI_APP],
)
def test_other_types_need_no_isv_connect_enrollment(offer_type):
    result = run(o=offer(offer_type=offer_type))
    assert met(result, Code.OFFER_ISV_CONNECT)
    assert result.status == CoSellStatus.CO_SELL_READY


@pytest.mark.parametrize(
    "offer_type", [OfferType.AZURE_VIRTUAL_MACHINE, OfferType.AZURE_APPLICATION]
)
def test_a_failed_technical_validation_never_passes_by_default(offer_type):
    """Fails on the old engine: a transactable VM or Azure application passed "by default"
    even after Microsoft's review failed it."""
    o = azure_offer(
        offer_type=offer_type,
        transactable=True,
        technical_validation=Offer.TechnicalValidation.FAILED,
    )
    result = run(o=o, p=rich_partner(), docs=ALL_DOCS)
    assert not met(result, Code.TECHNICAL_VALIDATION)
    assert result.status == CoSellStatus.CO_SELL_READY
    detail = next(r.detail for r in result.checklist if r.code == Code.TECHNICAL_VALIDATION)
    assert "failed" in str(detail) and "submit" in str(detail)


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (Offer.TechnicalValidation.NOT_SUBMITTED, "Submit the offer for technical validation"),
        (Offer.TechnicalValidation.PENDING, "Technical validation is pending"),
        (Offer.TechnicalValidation.FAILED, "Technical validation failed"),
    ],
)
def test_the_technical_validation_sentence_says_what_the_partner_can_do(state, words):
    result = run(o=azure_offer(technical_validation=state), p=rich_partner(), docs=ALL_DOCS)
    detail = next(r.detail for r in result.checklist if r.code == Code.TECHNICAL_VALIDATION)
    assert words in str(detail)


def test_office_add_ins_are_never_ready_even_with_everything_else():
    result = run(o=azure_offer(is_office_add_in=True), p=rich_partner(), docs=ALL_DOCS)
    assert result.status == CoSellStatus.NOT_READY


def test_azure_ip_incentive_when_every_row_holds():
    result = run(o=azure_offer(), p=rich_partner(), docs=ALL_DOCS)
    assert result.status == CoSellStatus.AZURE_IP_INCENTIVE
    assert result.next_missing() is None


@pytest.mark.parametrize(
    "offer_type",
    [
        OfferType.AZURE_APPLICATION,
        OfferType.AZURE_CONTAINER,
        OfferType.AZURE_VIRTUAL_MACHINE,
        OfferType.IOT_EDGE_MODULE,
        OfferType.SAAS,
    ],
)
def test_every_azure_ip_type_can_earn_the_incentive(offer_type):
    result = run(o=azure_offer(offer_type=offer_type), p=rich_partner(), docs=ALL_DOCS)
    assert result.status == CoSellStatus.AZURE_IP_INCENTIVE


@pytest.mark.parametrize(
    ("code", "kwargs"),
    [
        (Code.AZURE_IP_TYPE, {"o": azure_offer(offer_type=OfferType.POWER_BI_APP)}),
        (Code.SOLUTION_TYPE_IP, {"o": azure_offer(solution_type=Offer.SolutionType.DEVICE)}),
        (Code.AZURE_REVENUE, {"p": partner(acr_trailing_12m_usd=Decimal("99999.99"))}),
        (
            Code.TECHNICAL_VALIDATION,
            {"o": azure_offer(technical_validation=Offer.TechnicalValidation.PENDING)},
        ),
        (
            Code.TECHNICAL_VALIDATION,
            {"o": azure_offer(technical_validation=Offer.TechnicalValidation.FAILED)},
        ),
        (Code.ARCHITECTURE_DIAGRAM, {"docs": READY_DOCS}),
    ],
)
def test_each_azure_ip_row_is_required(code, kwargs):
    args = {"o": azure_offer(), "p": rich_partner(), "docs": ALL_DOCS, **kwargs}
    result = run(**args)
    assert result.status == CoSellStatus.CO_SELL_READY
    assert code in result.unmet


def test_billed_marketplace_revenue_counts_for_transactable_offers_only():
    poor = partner(acr_trailing_12m_usd=Decimal("0"))
    billed = {"billed_revenue_12m_usd": Decimal("100000")}
    transactable = run(o=azure_offer(transactable=True, **billed), p=poor, docs=ALL_DOCS)
    assert transactable.status == CoSellStatus.AZURE_IP_INCENTIVE
    listing_only = run(o=azure_offer(transactable=False, **billed), p=poor, docs=ALL_DOCS)
    assert listing_only.status == CoSellStatus.CO_SELL_READY
    assert listing_only.next_missing().code == Code.AZURE_REVENUE


@pytest.mark.parametrize(
    ("offer_type", "transactable", "passes"),
    [
        (OfferType.AZURE_VIRTUAL_MACHINE, True, True),
        (OfferType.AZURE_APPLICATION, True, True),
        (OfferType.AZURE_VIRTUAL_MACHINE, False, False),
        (OfferType.SAAS, True, False),
        (OfferType.AZURE_CONTAINER, True, False),
    ],
)
def test_transactable_vm_and_azure_application_pass_technical_validation_by_default(
    offer_type, transactable, passes
):
    o = azure_offer(
        offer_type=offer_type,
        transactable=transactable,
        technical_validation=Offer.TechnicalValidation.NOT_SUBMITTED,
    )
    result = run(o=o, p=rich_partner(), docs=ALL_DOCS)
    assert met(result, Code.TECHNICAL_VALIDATION) is passes


@pytest.mark.parametrize(
    ("offer_type", "tier", "status"),
    [
        (OfferType.DYNAMICS_365_CE_POWER_APPS, "standard", CoSellStatus.BIZAPPS_STANDARD),
        (OfferType.DYNAMICS_365_OPERATIONS, "standard", CoSellStatus.BIZAPPS_STANDARD),
        (OfferType.DYNAMICS_365_CE_POWER_APPS, "premium", CoSellStatus.BIZAPPS_PREMIUM),
        (OfferType.DYNAMICS_365_OPERATIONS, "premium", CoSellStatus.BIZAPPS_PREMIUM),
        (OfferType.DYNAMICS_365_CE_POWER_APPS, "none", CoSellStatus.CO_SELL_READY),
        (OfferType.DYNAMICS_365_BUSINESS_CENTRAL, "premium", CoSellStatus.CO_SELL_READY),
        (OfferType.SAAS, "premium", CoSellStatus.CO_SELL_READY),
    ],
)
def test_business_applications_incentive(offer_type, tier, status):
    o = offer(offer_type=offer_type, isv_connect_enrolled=True)
    result = run(o=o, p=partner(isv_connect_tier=tier))
    assert result.status == status


def test_bizapps_incentive_still_needs_co_sell_readiness():
    result = run(
        o=offer(offer_type=OfferType.DYNAMICS_365_OPERATIONS, isv_connect_enrolled=True),
        p=partner(isv_connect_tier="premium"),
        docs=["one_pager"],
    )
    assert result.status == CoSellStatus.NOT_READY


def test_checklist_has_every_row_once_with_stable_codes_and_sentences():
    result = run(o=azure_offer(), p=rich_partner(), docs=ALL_DOCS)
    codes = [r.code for r in result.checklist]
    assert codes == [
        "partner_id",
        "business_profile",
        "offer_live",
        "one_pager",
        "pitch_deck",
        "sales_contact",
        "solution_type",
        "services_designation",
        "offer_isv_connect",
        "not_office_add_in",
        "azure_ip_type",
        "solution_type_ip",
        "azure_revenue",
        "technical_validation",
        "architecture_diagram",
        "bizapps_type",
        "isv_connect",
        "isv_connect_premium",
    ]
    for requirement in result.checklist:
        assert str(requirement.detail).endswith(".")
        assert set(requirement.as_dict()) == {"code", "met", "detail", "level"}


def test_the_detail_says_what_is_missing_or_what_holds():
    missing = run(docs=["one_pager"])
    detail = next(r.detail for r in missing.checklist if r.code == Code.PITCH_DECK)
    assert "Upload a pitch deck" in str(detail)
    present = run()
    detail = next(r.detail for r in present.checklist if r.code == Code.PITCH_DECK)
    assert "is uploaded" in str(detail)


def test_next_missing_follows_the_offers_track():
    ready_azure = run(o=azure_offer(), p=rich_partner(), docs=READY_DOCS)
    assert ready_azure.next_missing().code == Code.ARCHITECTURE_DIAGRAM
    ready_ce = run(o=offer(offer_type=OfferType.DYNAMICS_365_CE_POWER_APPS))
    assert ready_ce.next_missing().code == Code.OFFER_ISV_CONNECT
    enrolled_ce = run(
        o=offer(offer_type=OfferType.DYNAMICS_365_CE_POWER_APPS, isv_connect_enrolled=True)
    )
    assert enrolled_ce.next_missing().code == Code.ISV_CONNECT
    standard = run(
        o=offer(offer_type=OfferType.DYNAMICS_365_CE_POWER_APPS, isv_connect_enrolled=True),
        p=partner(isv_connect_tier="standard"),
    )
    assert standard.next_missing().code == Code.ISV_CONNECT_PREMIUM
    assert run().next_missing() is None  # a Power BI app has nothing further to earn


def test_the_deciding_requirement_up_and_down():
    up = run(o=azure_offer(), p=rich_partner(), docs=ALL_DOCS)
    decider = deciding_requirement(
        old_status=CoSellStatus.CO_SELL_READY, evaluation=up, previously_unmet=["azure_revenue"]
    )
    assert decider.code == Code.AZURE_REVENUE
    down = run(o=azure_offer(), p=rich_partner(), docs=["one_pager", "architecture_diagram"])
    decider = deciding_requirement(
        old_status=CoSellStatus.AZURE_IP_INCENTIVE, evaluation=down, previously_unmet=[]
    )
    assert down.status == CoSellStatus.NOT_READY
    assert decider.code == Code.PITCH_DECK
    premium_to_standard = run(
        o=offer(offer_type=OfferType.DYNAMICS_365_OPERATIONS, isv_connect_enrolled=True),
        p=partner(isv_connect_tier="standard"),
    )
    decider = deciding_requirement(
        old_status=CoSellStatus.BIZAPPS_PREMIUM,
        evaluation=premium_to_standard,
        previously_unmet=[],
    )
    assert decider.code == Code.ISV_CONNECT_PREMIUM


def test_documents_and_contacts_may_be_objects_or_codes():
    class Doc:
        def __init__(self, kind):
            self.kind = kind

    class Contact:
        role = "sales"

    result = evaluate(offer(), partner(), [Doc("one_pager"), Doc("pitch_deck")], [Contact()])
    assert result.status == CoSellStatus.CO_SELL_READY
