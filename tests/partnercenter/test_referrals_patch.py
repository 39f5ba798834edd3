"""The Referrals API's writes: JSON Patch (add and replace, If-Match, whole or nothing), status
moves through the portal's services, the deprecated PUT, and deal registration through
``add /registrations/-`` and its updates."""

import json
from datetime import timedelta

import pytest

from cosell.core import clock
from cosell.core.models import AuditEvent
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from registrations.models import DealRegistration
from tests.partnercenter.conftest import BASE, bearer
from tests.partners.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def listing(api, query: str = "") -> dict:
    response = api.get(BASE + ("?" + query if query else ""))
    assert response.status_code == 200, response.content
    return response.json()


def ids(body: dict) -> list[str]:
    return [referral["id"] for referral in body["value"]]


def patch(api, referral: str, operations, **headers):
    return api.patch(
        f"{BASE}/{referral}",
        json.dumps(operations),
        content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )


# --- JSON Patch, If-Match, PUT ----------------------------------------------------------------


def test_patch_replace_and_add_through_the_services(api, deals, partner, partner_admin):
    deal = deals["private"]
    colleague = MembershipFactory(partner=partner, user=UserFactory(username="carl")).user
    response = patch(
        api,
        f"opportunity-{deal.pk}",
        [
            {"op": "replace", "path": "/details/dealValue", "value": "10000"},
            {"op": "replace", "path": "/details/notes", "value": "Lorem ipsum"},
            {"op": "replace", "path": "/salesStage", "value": "Develop"},
            {"op": "add", "path": "/team/-", "value": {"email": colleague.email}},
            {"op": "add", "path": "/details/requirements/solutions/-", "value": {"name": "SQL"}},
        ],
    )
    assert response.status_code == 204, response.content
    assert response.content == b""
    deal.refresh_from_db()
    assert (str(deal.value), deal.notes, deal.stage) == ("10000.00", "Lorem ipsum", "developed")
    assert deal.team.filter(user=colleague).exists()
    assert sorted(s.label for s in deal.solutions.all()) == ["Azure", "SQL"]
    assert response["ETag"] == f'"{deal.pk}-{deal.version}"'
    verbs = set(AuditEvent.objects.filter(subject_id=str(deal.pk)).values_list("verb", flat=True))
    assert {"updated", "stage_changed", "team_added"} <= verbs


def test_prefer_return_representation(api, deals):
    deal = deals["private"]
    response = patch(
        api,
        f"opportunity-{deal.pk}",
        [{"op": "replace", "path": "/externalReferenceId", "value": "CRM-9"}],
        Prefer="return=representation",
    )
    assert response.status_code == 200
    assert response.json()["externalReferenceId"] == "CRM-9"


def test_if_match_stale_is_412_and_nothing_changes(api, deals):
    deal = deals["private"]
    etag = api.get(f"{BASE}/opportunity-{deal.pk}").json()["eTag"]
    ok = patch(
        api,
        f"opportunity-{deal.pk}",
        [{"op": "replace", "path": "/details/notes", "value": "one"}],
        If_Match=etag,
    )
    assert ok.status_code == 204
    stale = patch(
        api,
        f"opportunity-{deal.pk}",
        [{"op": "replace", "path": "/details/notes", "value": "two"}],
        If_Match=etag,
    )
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    deal.refresh_from_db()
    assert deal.notes == "one"


def test_a_patch_applies_whole_or_not_at_all(api, deals):
    deal = deals["private"]
    response = patch(
        api,
        f"opportunity-{deal.pk}",
        [
            {"op": "replace", "path": "/details/notes", "value": "changed"},
            {"op": "replace", "path": "/status", "value": "Closed"},
            {"op": "replace", "path": "/substatus", "value": "Declined"},
        ],
    )
    assert response.status_code == 409
    deal.refresh_from_db()
    assert deal.notes == "" and deal.status == "active"


@pytest.mark.parametrize(
    ("operations", "named"),
    [
        ([{"op": "remove", "path": "/details/notes"}], "0/op"),
        ([{"op": "replace", "path": "/id", "value": "x"}], "/id"),
        ([{"op": "replace", "path": "/campaignId", "value": "x"}], "/campaignId"),
        ([{"op": "replace", "path": "/details/dealValue", "value": -5}], "details/dealValue"),
        ([{"op": "replace", "path": "/details/currency", "value": "dollars"}], "details/currency"),
        ([{"op": "replace", "path": "/salesStage", "value": "Win"}], "/salesStage"),
        ([{"op": "replace", "path": "/team/-", "value": {}}], "/team/-"),
        ([{"op": "add", "path": "/team/-", "value": {"email": "stranger@example.com"}}], "/team"),
        ([{"op": "replace", "path": "/status", "value": "Closed"}], "substatus"),
        # Not texts (found by the fuzz: a list as the status answered 500).
        ([{"op": "replace", "path": "/status", "value": [[], "Closed"]}], "status"),
        ([{"op": "replace", "path": "/substatus", "value": {"Won": 1}}], "substatus"),
        ({"op": "replace"}, "body"),
    ],
)
def test_patch_refuses_naming_the_path(api, deals, operations, named):
    deal = deals["private"]
    response = patch(api, f"opportunity-{deal.pk}", operations)
    assert response.status_code == 400, response.content
    assert named in response.json()["errors"], response.json()


def test_status_moves_run_the_services(api, deals):
    deal = deals["cosell"]
    response = patch(
        api,
        f"opportunity-{deal.pk}",
        [
            {"op": "replace", "path": "/status", "value": "Closed"},
            {"op": "replace", "path": "/substatus", "value": "Lost"},
            {"op": "replace", "path": "/statusReason", "value": "Customer chose another vendor"},
        ],
        Prefer="return=representation",
    )
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert (deal.status, deal.close_reason) == ("lost", "chose_another_vendor")
    assert deal.leads.get().status == Lead.Status.WITHDRAWN  # as opportunity_close does
    body = response.json()
    assert (body["status"], body["substatus"]) == ("Closed", "Lost")
    again = patch(
        api, f"opportunity-{deal.pk}", [{"op": "replace", "path": "/substatus", "value": "Won"}]
    )
    assert again.status_code == 409


def test_the_invited_partner_accepts_and_declines_through_its_referral(
    deals, other_partner_admin, other_partner
):
    lead = deals["p2p"].leads.get()
    invited = bearer(other_partner_admin)
    referral = invited.get(f"{BASE}/lead-{lead.pk}").json()
    assert (referral["direction"], referral["status"], referral["substatus"]) == (
        "Incoming",
        "New",
        "Pending",
    )
    decline = patch(
        invited, f"lead-{lead.pk}", [{"op": "replace", "path": "/substatus", "value": "Declined"}]
    )
    assert decline.status_code == 400 and "statusReason" in decline.json()["errors"]
    accept = patch(
        invited, f"lead-{lead.pk}", [{"op": "replace", "path": "/status", "value": "Active"}]
    )
    assert accept.status_code == 204, accept.content
    lead.refresh_from_db()
    assert lead.status == Lead.Status.ACCEPTED and lead.answered_by == other_partner_admin
    # The owner's deal stays the owner's: the invited partner cannot close or edit it.
    for operations in (
        [{"op": "replace", "path": "/substatus", "value": "Won"}],
        [{"op": "replace", "path": "/details/notes", "value": "mine now"}],
    ):
        assert patch(invited, f"lead-{lead.pk}", operations).status_code == 403
    assert Opportunity.objects.get(pk=deals["p2p"].pk).status == "active"


def test_the_owner_cannot_answer_the_other_partys_referral(api, deals):
    lead = deals["p2p"].leads.get()
    response = patch(
        api, f"lead-{lead.pk}", [{"op": "replace", "path": "/status", "value": "Active"}]
    )
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == Lead.Status.RECEIVED


def test_the_deprecated_put(api, deals):
    deal = deals["private"]
    current = api.get(f"{BASE}/opportunity-{deal.pk}").json()
    changed = {**current, "name": "Renamed", "details": {**current["details"], "dealValue": 7500}}
    url = f"{BASE}/opportunity-{deal.pk}"
    missing = api.put(url, json.dumps(changed), content_type="application/json")
    assert missing.status_code == 400 and "If-Match" in missing.json()["errors"]
    response = api.put(
        url, json.dumps(changed), content_type="application/json", HTTP_IF_MATCH=current["eTag"]
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["details"]["dealValue"]) == ("Renamed", 7500.0)
    stale = api.put(
        url, json.dumps(changed), content_type="application/json", HTTP_IF_MATCH=current["eTag"]
    )
    assert stale.status_code == 412


# --- deal registration --------------------------------------------------------------------------


@pytest.fixture
def won_deal(partner, partner_admin, seller):
    from offers.models import CoSellStatus
    from tests.offers.factories import OfferFactory
    from tests.registrations.conftest import make_deal

    offer = OfferFactory(
        partner=partner,
        name="Contoso Insight Cloud",
        co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE,
        solution_areas=["data_ai"],
    )
    seller.seller.solution_areas = ["data_ai"]
    seller.seller.save()
    now = clock.now()
    return make_deal(
        partner,
        partner_admin,
        seller,
        offer,
        created=now - timedelta(days=6),
        won_at=now - timedelta(days=2),
    )


REGISTRATION = {
    "type": "AzureIPCoSell",
    "contract": {"currency": "USD", "term": "Finite", "value": 100000},
    "solutionDetails": [
        {
            "value": 60000,
            "isDeployedOnAzure": True,
            "primaryDeploymentOn": "Customer",
            "pricingModel": "Other",
            "marketplaceTransactionDetails": {"isMarketplaceTransacted": False},
        }
    ],
}


def registration_value():
    today = clock.now().date()
    contract = {
        **REGISTRATION["contract"],
        "signDateTime": f"{today - timedelta(days=1)}T00:00:00Z",
        "startDateTime": f"{today}T00:00:00Z",
        "endDateTime": f"{today + timedelta(days=365)}T00:00:00Z",
    }
    return {**REGISTRATION, "contract": contract}


def test_register_through_add_registrations_and_update_it(api, won_deal):
    url = f"opportunity-{won_deal.pk}"
    response = api.patch(
        f"{BASE}/{url}/",
        json.dumps([{"op": "add", "path": "/registrations/-", "value": registration_value()}]),
        content_type="application/json",
    )
    assert response.status_code == 204, response.content
    registration = DealRegistration.objects.get(opportunity=won_deal)
    assert registration.state == DealRegistration.State.APPROVED
    body = api.get(f"{BASE}/{url}").json()
    assert body["registrationStatus"] == "Approved"
    assert body["registrations"][0]["contract"]["value"] == 100000.0
    update = patch(
        api,
        url,
        [{"op": "replace", "path": "/registrations/0/contract/value", "value": 120000}],
        If_Match=body["eTag"],
    )
    assert update.status_code == 204, update.content
    registration.refresh_from_db()
    assert registration.total_contract_value == 120000 and registration.version == 2
    twice = api.patch(
        f"{BASE}/{url}/",
        json.dumps([{"op": "add", "path": "/registrations/-", "value": registration_value()}]),
        content_type="application/json",
    )
    assert twice.status_code == 409


def test_consent_and_the_customer_contact(api, deals):
    deal = deals["private"]
    contact = {"firstName": "Sue", "lastName": "Smith", "email": "sue@northwind.example"}
    refused = patch(
        api,
        f"opportunity-{deal.pk}",
        [{"op": "add", "path": "/customerProfile/team/-", "value": contact}],
    )
    assert refused.status_code == 400
    assert "consent/consentToToShareInfoWithOthers" in refused.json()["errors"]
    granted = patch(
        api,
        f"opportunity-{deal.pk}",
        [
            {"op": "replace", "path": "/consent/consentToToShareInfoWithOthers", "value": True},
            {"op": "add", "path": "/customerProfile/team/-", "value": contact},
        ],
        Prefer="return=representation",
    )
    assert granted.status_code == 200, granted.content
    assert granted.json()["customerProfile"]["team"] == [contact]


def test_a_sellers_lead_stays_the_partners_referral_once_accepted(api, partner, seller, offer):
    from opportunities.leads import services

    lead = services.seller_lead_send(
        actor=seller,
        partner_id=partner.pk,
        offer_id=offer.pk,
        customer_name="Tailspin",
        customer_country="US",
        title="Tailspin analytics",
        now=clock.now(),
    )
    referral = api.get(f"{BASE}/lead-{lead.pk}").json()
    assert (referral["qualification"], referral["direction"], referral["substatus"]) == (
        "SalesQualified",
        "Incoming",
        "Pending",
    )
    assert referral["inviteContext"]["invitedBy"]["organizationId"] == "msft"
    accepted = patch(
        api, f"lead-{lead.pk}", [{"op": "replace", "path": "/status", "value": "Active"}]
    )
    assert accepted.status_code == 204, accepted.content
    lead.refresh_from_db()
    deal = lead.opportunity
    assert deal.partner == partner
    # One referral for the partner: the lead, now carrying its deal; no opportunity-<id> besides.
    listed = ids(listing(api, f"$filter=engagementId eq '{deal.pk}'"))
    assert listed == [f"lead-{lead.pk}"]
    edited = patch(
        api,
        f"lead-{lead.pk}",
        [{"op": "replace", "path": "/externalReferenceId", "value": "CRM-T"}],
        Prefer="return=representation",
    )
    assert edited.status_code == 200 and edited.json()["externalReferenceId"] == "CRM-T"


def test_json_patchs_own_media_type_is_understood(api, deals):
    deal = deals["private"]
    response = api.patch(
        f"{BASE}/opportunity-{deal.pk}",
        json.dumps([{"op": "replace", "path": "/details/notes", "value": "via json-patch"}]),
        content_type="application/json-patch+json",
    )
    assert response.status_code == 204, response.content
    deal.refresh_from_db()
    assert deal.notes == "via json-patch"
