"""The Referrals API's reads and creation: authentication, the list with OData (and its 400s),
get, create, and the interactive docs. Writes: test_referrals_patch.py."""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest

from cosell.core import clock
from cosell.core.models import AuditEvent
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from tests.partnercenter.conftest import BASE, bearer, token_for

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
        ("$filter=id eq '1' or id eq 'opportunity-x'", []),
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
    counted = listing(api, "$top=0&$count=true")
    assert counted["value"] == [] and counted["@odata.count"] == 5
    assert "@odata.nextLink" not in counted
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
