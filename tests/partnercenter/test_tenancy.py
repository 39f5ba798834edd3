"""Tenancy of the Referrals API beyond the route matrix (tests/test_tenancy_matrix.py): another
partner finds nothing and changes nothing, and the invited partner's referral carries only what
the access policy (``opportunities.rules``) lets it see."""

import json

import pytest

from cosell.core.models import AuditEvent
from cosell.partners.models import Membership
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from opportunities.rules import lead_as_seen_by
from partnercenter.referrals.selectors import lead_rows
from tests.partnercenter.conftest import BASE, bearer
from tests.partners.factories import MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Opportunity.objects.order_by("pk").values()),
        list(Lead.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def test_another_partner_finds_nothing_and_changes_nothing(deals, partner):
    third = PartnerFactory(name="Tailspin Toys")
    outsider = bearer(MembershipFactory(partner=third, role=Membership.Role.ADMIN).user)
    before = snapshot()
    body = outsider.get(BASE + "?$count=true").json()
    assert body["value"] == [] and body["@odata.count"] == 0
    for deal in deals.values():
        query = f"$filter=engagementId eq '{deal.pk}'"
        assert outsider.get(BASE + "?" + query).json()["value"] == []
        assert outsider.get(f"{BASE}/opportunity-{deal.pk}").status_code == 404
        connected = outsider.post(
            BASE,
            json.dumps(
                {
                    "type": "Shared",
                    "engagementId": str(deal.pk),
                    "target": [{"type": "BusinessProfileLocation", "id": "msft"}],
                }
            ),
            content_type="application/json",
        )
        assert connected.status_code == 404
    assert snapshot() == before
    assert partner.name not in json.dumps(body)


def test_a_partner_user_sees_only_the_deals_whose_team_they_are_on(deals, partner_user):
    member = bearer(partner_user)
    assert member.get(BASE).json()["value"] == []
    assert member.get(f"{BASE}/opportunity-{deals['private'].pk}").status_code == 404


@pytest.fixture
def invited(deals, other_partner_admin):
    Opportunity.objects.filter(pk=deals["p2p"].pk).update(
        contact_consent=True, contact_name="Sue Smith", contact_email="sue@litware.example"
    )
    return bearer(other_partner_admin), deals["p2p"].leads.get()


def test_the_invited_partners_referral_carries_only_what_the_policy_lets_it_see(
    invited, deals, api, other_partner_admin
):
    client, lead = invited
    seen = client.get(f"{BASE}/lead-{lead.pk}").json()
    policy = lead_as_seen_by(
        lead_rows(user=other_partner_admin).get(pk=lead.pk), other_partner_admin
    )
    assert "notes" in policy.opportunity.withheld and policy.opportunity.notes == ""
    assert "notes" not in seen["details"]
    assert "externalReferenceId" not in seen
    assert "addressLine1" not in seen["customerProfile"]["address"]
    assert "registrations" not in seen and "registrationStatus" not in seen
    assert seen["customerProfile"]["team"] == [
        {"firstName": "Sue", "lastName": "Smith", "email": "sue@litware.example"}
    ]
    assert seen["team"] == []  # the owner's people, before the invitation is accepted
    assert "owner's private notes" not in json.dumps(seen)
    assert "1 Secret Road" not in json.dumps(seen) and "CRM-3" not in json.dumps(seen)
    # The owner sees all of its deal.
    own = api.get(f"{BASE}/opportunity-{deals['p2p'].pk}").json()
    assert own["details"]["notes"] == "owner's private notes"
    assert own["externalReferenceId"] == "CRM-3"
    assert own["customerProfile"]["address"]["addressLine1"] == "1 Secret Road"


def test_a_filter_cannot_reveal_what_is_withheld(invited):
    client, lead = invited
    assert client.get(BASE + "?$filter=externalReferenceId eq 'CRM-3'").json()["value"] == []
    everything = client.get(BASE).json()["value"]
    assert [r["id"] for r in everything] == [f"lead-{lead.pk}"]
    refused = client.get(BASE + "?$filter=details/notes eq 'owner''s private notes'")
    assert refused.status_code == 400


def test_after_declining_the_customer_contact_is_hidden_from_the_invited_partner(invited):
    client, lead = invited
    declined = client.patch(
        f"{BASE}/lead-{lead.pk}",
        json.dumps(
            [
                {"op": "replace", "path": "/status", "value": "Closed"},
                {"op": "replace", "path": "/substatus", "value": "Declined"},
                {"op": "replace", "path": "/statusReason", "value": "Not a customer"},
            ]
        ),
        content_type="application/json",
        HTTP_PREFER="return=representation",
    )
    assert declined.status_code == 200, declined.content
    body = declined.json()
    assert (body["status"], body["substatus"], body["statusReason"]) == (
        "Closed",
        "Declined",
        "Not a customer",
    )
    assert body["customerProfile"]["team"] == []
    lead.refresh_from_db()
    assert (lead.status, lead.decline_reason) == ("declined", "not_a_customer")
