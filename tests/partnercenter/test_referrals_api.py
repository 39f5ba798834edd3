"""The Referrals API operation by operation: list with OData (and its 400s), get, create, JSON
Patch with If-Match, the deprecated PUT, and deal registration through ``/registrations/-``."""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest

from cosell.core import clock
from cosell.core.models import AuditEvent
from opportunities.models import Category, Lead, Opportunity
from registrations.models import DealRegistration
from tests.partnercenter.conftest import BASE, bearer, token_for
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


# --- authentication -------------------------------------------------------------------------


def test_bearer_and_token_are_the_same_tokens(partner_admin, deals, client):
    raw = token_for(partner_admin)
    assert client.get(BASE, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get(BASE, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    refused = client.get(BASE, HTTP_AUTHORIZATION="Bearer nope")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert client.get(BASE).status_code in (401, 403)


def test_a_microsoft_seller_is_no_partner(seller, deals):
    response = bearer(seller).get(BASE)
    assert response.status_code == 403
    assert set(response.json()) >= {"status", "code", "detail"}


def test_unknown_paths_answer_json_404(api):
    response = api.get("/v1.0/engagements/nothing-here")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- list and OData ---------------------------------------------------------------------------


def test_the_list_holds_one_referral_per_party(api, deals):
    body = listing(api, "$count=true")
    cosell, p2p, private = deals["cosell"], deals["p2p"], deals["private"]
    microsoft_lead = cosell.leads.get(receiver=Lead.Receiver.MICROSOFT)
    invite = p2p.leads.get()
    assert set(ids(body)) == {
        f"opportunity-{private.pk}",
        f"opportunity-{cosell.pk}",
        f"opportunity-{p2p.pk}",
        f"lead-{microsoft_lead.pk}",
        f"lead-{invite.pk}",
    }
    assert body["@odata.count"] == 5
    by_id = {r["id"]: r for r in body["value"]}
    own = by_id[f"opportunity-{cosell.pk}"]
    assert (own["type"], own["direction"], own["status"], own["substatus"]) == (
        "Shared",
        "Outgoing",
        "Active",
        "Accepted",
    )
    assert own["externalReferenceId"] == "CRM-2"
    msft = by_id[f"lead-{microsoft_lead.pk}"]
    assert msft["engagementId"] == str(cosell.pk)
    assert msft["target"] == [{"type": "BusinessProfileLocation", "id": "msft"}]
    assert (msft["status"], msft["substatus"]) == ("New", "Received")
    assert "externalReferenceId" not in msft
    assert by_id[f"opportunity-{private.pk}"]["type"] == "Independent"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("$filter=type eq 'Independent'", ["private"]),
        ("$filter=externalReferenceId eq 'CRM-3'", ["p2p"]),
        ("$filter=customerProfile/name eq 'Woodgrove' and direction eq 'Outgoing'", ["cosell", "msft"]),  # noqa: E501
        ("$filter=(type eq 'Shared' and status eq 'New') or externalReferenceId eq 'CRM-1'", ["private", "msft", "invite"]),  # noqa: E501
        ("$filter=substatus ne 'Accepted'", ["msft", "invite"]),
        ("$filter=customerProfile/address/country eq 'US' and type eq 'Independent'", ["private"]),
        ("$filter=team/any(t:t/email eq 'ADA@example.com') and type eq 'Independent'", ["private"]),
        ("$filter=createdDateTime ge {hour_ago} and createdDateTime lt {tomorrow}", ["private", "cosell", "p2p", "msft", "invite"]),  # noqa: E501
        ("$filter=salesStage eq 'Develop'", []),
    ],
)  # fmt: skip
def test_filters(api, deals, query, expected):
    names = {
        "private": f"opportunity-{deals['private'].pk}",
        "cosell": f"opportunity-{deals['cosell'].pk}",
        "p2p": f"opportunity-{deals['p2p'].pk}",
        "msft": f"lead-{deals['cosell'].leads.get().pk}",
        "invite": f"lead-{deals['p2p'].leads.get().pk}",
    }
    created = deals["private"].created_at
    query = query.format(
        hour_ago=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        tomorrow=(created + timedelta(days=1)).date().isoformat(),
    )
    assert sorted(ids(listing(api, quote(query, safe="=&$:")))) == sorted(
        names[n] for n in expected
    )


def test_engagement_filter_finds_the_related_referrals(api, deals):
    cosell = deals["cosell"]
    own = api.get(f"{BASE}/opportunity-{cosell.pk}").json()
    related = api.get(own["links"]["relatedReferrals"]["uri"]).json()
    assert len(related["value"]) == 2
    assert {r["engagementId"] for r in related["value"]} == {str(cosell.pk)}


def test_order_top_skip_count_select_and_next_link(api, partner, partner_admin, deals):
    for n in range(3):
        Opportunity.objects.filter(pk=deals["private"].pk).update(
            created_at=clock.parse_instant("2026-01-01T00:00:00Z") + timedelta(days=n)
        )
    oldest_first = ids(listing(api, "$orderby=createdDateTime asc"))
    assert oldest_first[0] == f"opportunity-{deals['private'].pk}"
    newest_first = ids(listing(api, "$orderby=createdDateTime desc"))
    assert newest_first[-1] == f"opportunity-{deals['private'].pk}"
    page = listing(api, "$orderby=createdDateTime asc&$top=2&$count=true&$select=id,status")
    assert len(page["value"]) == 2 and page["@odata.count"] == 5
    assert all(set(r) == {"id", "status"} for r in page["value"])
    following = api.get(page["@odata.nextLink"]).json()
    assert ids(following)[0] == oldest_first[2]
    last = listing(api, "$orderby=createdDateTime asc&$top=2&$skip=4")
    assert len(last["value"]) == 1 and "@odata.nextLink" not in last


@pytest.mark.parametrize(
    ("query", "option", "names"),
    [
        ("$filter=foo eq 'x'", "$filter", "foo"),
        ("$filter=contains(name,'x')", "$filter", "contains"),
        ("$filter=not (status eq 'New')", "$filter", "not"),
        ("$filter=name gt 'a'", "$filter", "gt"),
        ("$filter=details/notes eq 'x'", "$filter", "details/notes"),
        ("$filter=status eq", "$filter", "status"),
        ("$filter=status eq 'New' xor", "$filter", "xor"),
        ("$filter=createdDateTime gt 'yesterday'", "$filter", "yesterday"),
        ("$filter=team/any(t:t/firstName eq 'Ada')", "$filter", "team/any"),
        ("$top=101", "$top", "100"),
        ("$top=-1", "$top", "$top"),
        ("$skip=x", "$skip", "$skip"),
        ("$count=maybe", "$count", "$count"),
        ("$orderby=name", "$orderby", "name"),
        ("$orderby=createdDateTime sideways", "$orderby", "sideways"),
        ("$select=id,nothing", "$select", "nothing"),
        ("$expand=team", "$expand", "$expand"),
        ("$search=x", "$search", "$search"),
    ],
)
def test_what_the_portal_cannot_evaluate_is_a_400_naming_it(api, deals, query, option, names):
    response = api.get(BASE + "?" + quote(query, safe="=&$"))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and option in body["errors"]
    assert names in body["detail"]


# --- get --------------------------------------------------------------------------------------


def test_get_by_id_carries_the_etag(api, deals):
    deal = deals["private"]
    response = api.get(f"{BASE}/opportunity-{deal.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["eTag"] == response["ETag"] == f'"{deal.pk}-{deal.version}"'
    assert body["links"]["self"]["uri"].endswith(
        f"/v1.0/engagements/referrals/opportunity-{deal.pk}"
    )
    for missing in ("opportunity-999999", "lead-999999", "12", "opportunity-x"):
        assert api.get(f"{BASE}/{missing}").status_code == 404


# --- create -----------------------------------------------------------------------------------

NEW = {
    "name": "Supply chain",
    "type": "Independent",
    "externalReferenceId": "CRM-NEW",
    "customerProfile": {
        "name": "Adatum",
        "address": {"addressLine1": "1 Main St", "city": "Redmond", "country": "us"},
        "size": "10to50employees",
        "team": [{"firstName": "Sue", "lastName": "Smith", "email": "sue@adatum.example"}],
    },
    "consent": {"consentToToShareInfoWithOthers": True, "consentToContact": True},
    "details": {
        "notes": "Needs a PoC",
        "dealValue": 50000,
        "currency": "USD",
        "closingDateTime": "2026-12-01T00:00:00Z",
        "requirements": {
            "solutions": [{"id": "Dynamics365forFieldService", "name": "Field Service"}]
        },
    },
}


def create(api, **changes):
    return api.post(BASE, json.dumps({**NEW, **changes}), content_type="application/json")


def test_create_an_independent_referral(api, partner):
    response = create(api)
    assert response.status_code == 200, response.content
    body = response.json()
    deal = Opportunity.objects.get(crm_id="CRM-NEW")
    assert body["id"] == f"opportunity-{deal.pk}" and body["type"] == "Independent"
    assert deal.category == Category.PRIVATE and deal.partner == partner
    assert (deal.contact_name, deal.customer_country.code, str(deal.close_date)) == (
        "Sue Smith",
        "US",
        "2026-12-01",
    )
    assert deal.customer_address == "1 Main St, Redmond"
    assert AuditEvent.objects.filter(subject_id=str(deal.pk), verb="created").exists()


def test_create_shared_with_microsoft_asks_for_help(api, offer):
    response = create(
        api,
        type="Shared",
        target=[{"type": "BusinessProfileLocation", "id": "msft"}],
        inviteContext={"assistanceRequestCode": "ProofOfConceptOrDemo"},
        details={**NEW["details"], "requirements": {"solutions": [{"id": f"offer-{offer.pk}"}]}},
    )
    assert response.status_code == 200, response.content
    deal = Opportunity.objects.get(crm_id="CRM-NEW")
    assert (deal.category, deal.deal_type, deal.help_needed) == (
        "microsoft",
        "co_sell",
        ["proof_of_concept"],
    )
    assert deal.leads.filter(receiver=Lead.Receiver.MICROSOFT).count() == 1


def test_create_inviting_a_partner_and_a_connected_referral(api, other_partner):
    response = create(
        api,
        type="Shared",
        target=[{"type": "BusinessProfileLocation", "id": other_partner.partner_id}],
    )
    assert response.status_code == 200, response.content
    deal = Opportunity.objects.get(crm_id="CRM-NEW")
    assert deal.category == Category.P2P
    assert deal.leads.get().receiver_partner == other_partner
    # A private deal shared afterwards: the connected referral of Partner Center.
    private = Opportunity.objects.get(
        pk=create(
            api,
            externalReferenceId="CRM-2ND",
            customerProfile={**NEW["customerProfile"], "name": "Other customer"},
        )
        .json()["id"]
        .split("-")[1]
    )
    connected = api.post(
        BASE,
        json.dumps(
            {
                **NEW,
                "type": "Shared",
                "engagementId": str(private.pk),
                "target": [{"type": "BusinessProfileLocation", "id": other_partner.partner_id}],
            }
        ),
        content_type="application/json",
    )
    assert connected.status_code == 200, connected.content
    lead = private.leads.get()
    assert connected.json()["id"] == f"lead-{lead.pk}"
    assert connected.json()["engagementId"] == str(private.pk)
    private.refresh_from_db()
    assert private.category == Category.P2P


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"type": "Other"}, "type"),
        ({"customerProfile": {"name": ""}}, "customerProfile/name"),
        ({"details": {"dealValue": "lots"}}, "details/dealValue"),
        ({"details": {"requirements": {"solutions": []}}}, "details/requirements/solutions"),
        ({"customerProfile": {**NEW["customerProfile"], "size": "huge"}}, "customerProfile/size"),
        ({"consent": {"consentToContact": False}}, "consent/consentToToShareInfoWithOthers"),
        ({"campaignId": "C-1"}, "campaignId"),
        ({"target": [{"id": "nobody"}], "type": "Shared"}, "target"),
    ],
)
def test_create_refuses_naming_the_field(api, deals, changes, named):
    before = Opportunity.objects.count()
    response = create(api, **changes)
    assert response.status_code == 400, response.content
    assert named in response.json()["errors"], response.json()
    assert Opportunity.objects.count() == before


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


def test_the_interactive_docs_show_the_referrals_api_beside_api_v1(client_for, partner_admin):
    schema = client_for(partner_admin).get("/api/schema/?format=json").json()
    operations = {
        operation["operationId"]: operation
        for path, methods in schema["paths"].items()
        if path.startswith("/v1.0/engagements/referrals")
        for operation in methods.values()
    }
    assert set(operations) == {
        "GetAllReferrals",
        "CreateReferral",
        "GetReferralById",
        "PatchReferralById",
        "UpdateReferralById",
        "CreateDealRegistrationByReferralId",
        "PatchDealRegistrationByReferralId",
    }
    assert all(op["tags"] == ["Partner Center Referrals API"] for op in operations.values())
    assert "/api/v1/me/" in schema["paths"]
    assert "bearerAuth" in schema["components"]["securitySchemes"]


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
    from opportunities import services

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


def test_the_list_costs_the_same_queries_for_more_referrals(
    api, partner, partner_admin, deals, django_assert_max_num_queries
):
    from tests.opportunities.conftest import make_opportunity

    with django_assert_max_num_queries(40) as few:
        listing(api)
    for n in range(6):
        make_opportunity(partner, partner_admin, now=clock.now(), customer_name=f"Customer {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listing(api)["value"]) == 11


def test_deep_parentheses_are_a_400_not_a_crash(api, deals):
    deep = "(" * 500 + "status eq 'New'" + ")" * 500
    response = api.get(BASE + "?" + quote(f"$filter={deep}", safe="=&$"))
    assert response.status_code == 400 and "$filter" in response.json()["errors"]


def test_partner_centers_tracing_headers_come_back(api, deals):
    response = api.get(BASE, HTTP_MS_CORRELATIONID="8a5b6c1e-0000-4000-8000-000000000001")
    assert response["MS-CorrelationId"] == "8a5b6c1e-0000-4000-8000-000000000001"
    assert "MS-CorrelationId" not in api.get(BASE, HTTP_MS_CORRELATIONID="bad\tvalue")
