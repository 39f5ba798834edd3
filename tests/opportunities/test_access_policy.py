"""One access policy: a partner invited to another partner's deal never reads the owner's
private fields, on any surface, in either direction of a P2P deal (issue 11, point 1).

Each test is one surface, one withheld field and one direction, run as the invited partner's
admin; the owner's admin reading the same surface sees the value, so the test can fail."""

import csv
import io

import pytest

from cosell.core import clock
from cosell.webhooks.models import OutboxEvent
from opportunities import rules
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity

SECRETS = {
    "notes": "SECRET-NOTES-7Q",
    "crm_id": "SECRET-CRM-7Q",
    "customer_address": "SECRET-ADDRESS-7Q",
    "close_notes": "SECRET-CLOSE-7Q",
}
assert set(SECRETS) == rules.WITHHELD_FROM_INVITED


@pytest.fixture(params=["a_invites_b", "b_invites_a"])
def p2p_deal(request, partner, partner_admin, other_partner, other_partner_admin):
    """A P2P deal its owner invited the other partner to, accepted, then closed (so every
    private field, close notes included, has a value). Returns (deal, lead, owner, invited)."""
    if request.param == "a_invites_b":
        owner, invited, invited_partner = partner_admin, other_partner_admin, other_partner
    else:
        owner, invited, invited_partner = other_partner_admin, partner_admin, partner
    now = clock.now()
    deal = make_opportunity(
        owner.partner,
        owner,
        category=Category.P2P,
        now=now,
        invite_partner_ids=[invited_partner.pk],
        notes=SECRETS["notes"],
        crm_id=SECRETS["crm_id"],
        customer_address=SECRETS["customer_address"],
        contact_consent=True,
        contact_name="Casey Contact",
    )
    lead = deal.leads.get()
    lead_services.lead_accept(lead_id=lead.pk, actor=invited, now=now)
    deal_services.opportunity_close(
        opportunity_id=deal.pk,
        outcome="lost",
        reason="customer_did_not_respond",
        notes=SECRETS["close_notes"],
        actor=owner,
        now=now,
    )
    return deal, lead, owner, invited


def _csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def _api_detail(client, deal, lead, field):
    response = client.get(f"/api/v1/opportunities/{deal.pk}/")
    assert response.status_code == 200
    data = response.json()
    return data.get(field)


def _api_list(client, deal, lead, field):
    response = client.get("/api/v1/opportunities/")
    assert response.status_code == 200
    [data] = [item for item in response.json()["results"] if item["id"] == deal.pk]
    return data.get(field)


def _api_lead(client, deal, lead, field):
    response = client.get(f"/api/v1/leads/{lead.pk}/")
    assert response.status_code == 200
    return SECRETS[field] if SECRETS[field] in response.content.decode() else None


def _page(path):
    def read(client, deal, lead, field):
        response = client.get(path.format(deal=deal.pk, lead=lead.pk))
        assert response.status_code == 200
        return SECRETS[field] if SECRETS[field] in response.content.decode() else None

    return read


def _csv(path):
    def read(client, deal, lead, field):
        [row] = [row for row in _csv_rows(client.get(path)) if row["id"] == str(deal.pk)]
        return row.get(field) or None

    return read


SURFACES = {
    "api_detail": _api_detail,
    "api_list": _api_list,
    "api_lead": _api_lead,
    "page_opportunity": _page("/opportunities/{deal}/"),
    "page_lead": _page("/leads/{lead}/"),
    "csv_api": _csv("/api/v1/opportunities/export/"),
    "csv_page": _csv("/pipeline/export.csv"),
}

# What each surface shows the owner (so the invited partner's absence is not vacuous).
SHOWN_TO_OWNER = {
    "api_detail": set(SECRETS),
    "api_list": set(SECRETS),
    "api_lead": set(),
    "page_opportunity": {"notes", "customer_address"},
    "page_lead": {"notes"},
    "csv_api": {"notes", "crm_id", "customer_address"},
    "csv_page": {"notes", "crm_id", "customer_address"},
}


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_invited_partner_never_reads_the_owners_private_fields(client_for, p2p_deal, surface):
    """Per surface; every withheld field asserted on its own (the message names it)."""
    deal, lead, owner, invited = p2p_deal
    read = SURFACES[surface]
    invited_client, owner_client = client_for(invited), client_for(owner)
    for field in sorted(SECRETS):
        assert read(invited_client, deal, lead, field) is None, f"{surface} shows {field}"
        if field in SHOWN_TO_OWNER[surface]:
            assert read(owner_client, deal, lead, field) == SECRETS[field], (surface, field)


def test_webhook_payloads_leave_out_the_owners_private_fields(p2p_deal):
    deal, _lead, owner, invited = p2p_deal
    events = OutboxEvent.objects.filter(
        subject_type="opportunities.opportunity", subject_id=deal.pk
    )
    invited_events = list(events.filter(partner_id=invited.partner.pk))
    owner_events = list(events.filter(partner_id=owner.partner.pk))
    assert invited_events and owner_events
    for field in sorted(SECRETS):
        for event in invited_events:
            assert field not in event.data, (event.type, field)
            assert SECRETS[field] not in str(event.data), (event.type, field)
        assert any(event.data.get(field) == SECRETS[field] for event in owner_events), field


def test_mail_renders_the_lead_as_its_recipient_may_see_it(p2p_deal):
    """Mail templates get ``rules.lead_as_seen_by``: the deal behind a lead has the owner's
    private fields blank for the invited partner's people."""
    _deal, lead, owner, invited = p2p_deal
    lead = Lead.objects.select_related("opportunity").get(pk=lead.pk)
    seen, owners = rules.lead_as_seen_by(lead, invited), rules.lead_as_seen_by(lead, owner)
    for field in sorted(SECRETS):
        assert getattr(seen.opportunity, field) == "", field
        assert field in seen.opportunity.withheld
        assert getattr(owners.opportunity, field) == SECRETS[field]
        # The original row is untouched: the copy is what is rendered.
        assert getattr(lead.opportunity, field) == SECRETS[field]


def test_a_seller_does_not_read_the_partners_crm_id(partner, partner_admin, seller):
    deal = make_opportunity(partner, partner_admin, crm_id="CRM-42", notes="for Microsoft")
    seen = rules.opportunity_as_seen_by(deal, seller)
    assert seen.crm_id == "" and seen.notes == "for Microsoft"


def test_staff_and_the_owners_users_on_the_team_see_everything(
    partner, partner_admin, partner_user, admin_user
):
    deal = make_opportunity(partner, partner_admin, crm_id="CRM-42", notes="ours")
    for user in (partner_admin, partner_user, admin_user):
        seen = rules.opportunity_as_seen_by(deal, user)
        assert seen.withheld == frozenset() and seen.crm_id == "CRM-42"


def test_contact_without_consent_is_blank_for_everyone(partner, partner_admin):
    deal = make_opportunity(partner, partner_admin)
    deal.contact_name = "Leaked Name"  # not consented: never rendered
    assert rules.opportunity_as_seen_by(deal, partner_admin).contact_name == ""
