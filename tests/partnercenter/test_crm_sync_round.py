"""A CRM-sync round, as an existing Partner Center integration runs it against the portal, with
only the documented requests of the Referrals API: create a co-sell referral, find it by filter,
patch it (with If-Match), a Microsoft seller accepts in the portal, the Microsoft side's referral
shows Active/Accepted, the partner wins the deal and registers it (``add /registrations/-``).

The portal's clock is moved through the round (a deal is registered once won, and won at least
72 hours after it was created). Whether the customer is a Microsoft-managed account is not part
of the Referral object: the partner says so once in the portal (here its /api/v1), as
docs/partner-center.md tells integrators.
"""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from cosell.core import clock
from offers.models import CoSellStatus
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from registrations.models import DealRegistration
from tests.offers.factories import OfferFactory
from tests.partnercenter.conftest import BASE, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def moving_clock(monkeypatch):
    """The portal's clock, set by the test: entry points read ``clock.now``."""
    state = {"now": clock.now() - timedelta(days=10)}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


def test_a_crm_sync_round(partner, partner_admin, seller, client_for, moving_clock):
    offer = OfferFactory(
        partner=partner,
        name="Contoso Insight Cloud",
        co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE,
        solution_areas=["data_ai"],
    )
    seller.seller.solution_areas = ["data_ai"]
    seller.seller.save()
    from django.test import Client

    token = token_for(partner_admin)
    crm = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def send(method, url, body=None, **headers):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if body is None:
            return getattr(crm, method)(url, **extra)
        return getattr(crm, method)(url, json.dumps(body), content_type="application/json", **extra)

    # 1. The CRM creates a co-sell referral shared with Microsoft.
    created = send(
        "post",
        BASE,
        {
            "name": "Northwind data platform",
            "type": "Shared",
            "externalReferenceId": "D365-OPP-42",
            "target": [{"type": "BusinessProfileLocation", "id": "msft"}],
            "customerProfile": {
                "name": "Northwind Traders",
                "address": {"addressLine1": "1 Main St", "city": "Seattle", "country": "US"},
                "size": "251to1000employees",
            },
            "consent": {"consentToToShareInfoWithOthers": False, "consentToContact": False},
            "details": {
                "notes": "Migrating the warehouse",
                "dealValue": 80000,
                "currency": "USD",
                "closingDateTime": "2026-12-31T00:00:00Z",
                "requirements": {"solutions": [{"id": f"offer-{offer.pk}"}]},
            },
            "inviteContext": {"assistanceRequestCode": "CustomerTechnicalArchitecture"},
        },
    )
    assert created.status_code == 200, created.content
    own = created.json()
    assert (own["type"], own["status"], own["substatus"]) == ("Shared", "Active", "Accepted")

    # 2. It lists by filter: its own referral by CRM id, then the engagement's referrals.
    found = send("get", BASE + "?$filter=externalReferenceId eq 'D365-OPP-42'").json()
    assert [r["id"] for r in found["value"]] == [own["id"]]
    related = send("get", own["links"]["relatedReferrals"]["uri"]).json()["value"]
    microsoft = next(r for r in related if r["id"] != own["id"])
    assert microsoft["target"] == [{"type": "BusinessProfileLocation", "id": "msft"}]
    assert (microsoft["status"], microsoft["substatus"]) == ("New", "Received")

    # 3. It patches the deal value and close date, with the eTag it read.
    moving_clock["now"] += timedelta(minutes=30)
    patched = send(
        "patch",
        f"{BASE}/{own['id']}",
        [
            {"op": "replace", "path": "/details/dealValue", "value": "90000"},
            {"op": "replace", "path": "/details/closingDateTime", "value": "2027-01-15T00:00:00Z"},
        ],
        **{"If-Match": own["eTag"], "Prefer": "return=representation"},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["details"]["dealValue"] == 90000.0
    stale = send(
        "patch",
        f"{BASE}/{own['id']}",
        [{"op": "replace", "path": "/details/notes", "value": "late"}],
        **{"If-Match": own["eTag"]},
    )
    assert stale.status_code == 412

    # 4. A Microsoft seller accepts the co-sell request in the portal.
    moving_clock["now"] += timedelta(hours=1)
    lead = Lead.objects.get(pk=int(microsoft["id"].split("-")[1]))
    answered = client_for(seller).post(reverse("opportunities:lead_accept", args=[lead.pk]))
    assert answered.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Lead.Status.ACCEPTED

    # 5. The CRM's next sync sees Microsoft's referral Active/Accepted.
    query = (
        f"$filter=engagementId eq '{own['engagementId']}' and direction eq 'Outgoing'"
        " and status eq 'Active' and substatus eq 'Accepted'"
    )
    active = send("get", BASE + "?" + query).json()["value"]
    assert microsoft["id"] in [r["id"] for r in active]

    # The customer is a Microsoft-managed account: said once in the portal, not in the Referral.
    deal = Opportunity.objects.get(crm_id="D365-OPP-42")
    said = Client(HTTP_AUTHORIZATION=f"Token {token}").post(
        f"/api/v1/opportunities/{deal.pk}/customer-account/",
        json.dumps({"customer_account": "microsoft_managed"}),
        content_type="application/json",
    )
    assert said.status_code == 200, said.content

    # 6. Four days later the deal is won.
    moving_clock["now"] += timedelta(days=4)
    current = send("get", f"{BASE}/{own['id']}").json()
    won = send(
        "patch",
        f"{BASE}/{own['id']}",
        [
            {"op": "replace", "path": "/status", "value": "Closed"},
            {"op": "replace", "path": "/substatus", "value": "Won"},
        ],
        **{"If-Match": current["eTag"]},
    )
    assert won.status_code == 204, won.content
    deal.refresh_from_db()
    assert deal.status == Opportunity.Status.WON

    # 7. And registered, through the connector's deal-registration operation.
    moving_clock["now"] += timedelta(days=1)
    signed = (moving_clock["now"] - timedelta(days=1)).date()
    registered = send(
        "patch",
        f"{BASE}/{own['id']}/",
        [
            {
                "op": "add",
                "path": "/registrations/-",
                "value": {
                    "type": "AzureIPCoSell",
                    "contract": {
                        "currency": "USD",
                        "term": "Finite",
                        "value": 150000,
                        "signDateTime": f"{signed}T00:00:00Z",
                        "startDateTime": f"{signed}T00:00:00Z",
                        "endDateTime": f"{signed + timedelta(days=365)}T00:00:00Z",
                    },
                    "solutionDetails": [
                        {
                            "id": f"offer-{offer.pk}",
                            "value": 90000,
                            "isDeployedOnAzure": True,
                            "primaryDeploymentOn": "Customer",
                            "pricingModel": "Other",
                            "marketplaceTransactionDetails": {"isMarketplaceTransacted": False},
                        }
                    ],
                },
            }
        ],
    )
    assert registered.status_code == 204, registered.content
    final = send("get", f"{BASE}/{own['id']}").json()
    assert (final["status"], final["substatus"]) == ("Closed", "Won")
    assert final["registrationStatus"] == "Approved"
    assert final["registrations"][0]["contract"]["value"] == 150000.0
    assert DealRegistration.objects.get(opportunity=deal).state == "approved"
