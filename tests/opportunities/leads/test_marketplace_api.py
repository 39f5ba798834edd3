import pytest

from cosell.core.models import AuditEvent
from offers.models import CoSellStatus
from opportunities.leads.models import Lead
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed_offer(partner):
    return OfferFactory(partner=partner, co_sell_status=CoSellStatus.CO_SELL_READY)


def post(client, **data):
    return client.post("/api/v1/leads/marketplace/", data, content_type="application/json")


def test_staff_records_a_marketplace_lead_for_the_offers_partner(
    admin_user, partner_admin, listed_offer, client_for
):
    response = post(
        client_for(admin_user),
        offer_id=listed_offer.pk,
        call_to_action="free_trial",
        customer_name="Northwind Traders",
        customer_country="DE",
    )
    assert response.status_code == 201, response.content
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.source == Lead.Source.MARKETPLACE
    assert lead.receiver_partner == listed_offer.partner
    assert lead.status == Lead.Status.RECEIVED
    assert AuditEvent.objects.filter(subject_id=str(lead.pk), verb="sent").exists()
    # The partner sees it in its inbox.
    inbox = client_for(partner_admin).get("/api/v1/leads/?direction=incoming").json()
    assert [row["id"] for row in inbox["results"]] == [lead.pk]


@pytest.mark.parametrize("persona", ["partner_admin", "other_partner_admin", "seller"])
def test_only_staff_may_record_marketplace_leads(request, persona, listed_offer, client_for):
    response = post(
        client_for(request.getfixturevalue(persona)),
        offer_id=listed_offer.pk,
        call_to_action="contact_me",
        customer_name="Sneaky",
    )
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_bad_input_names_the_field(admin_user, listed_offer, client_for):
    client = client_for(admin_user)
    response = post(client, offer_id=listed_offer.pk, call_to_action="buy_now", customer_name="X")
    assert response.status_code == 400
    assert "call_to_action" in response.json()["errors"]
    response = post(client, offer_id=999999, call_to_action="contact_me", customer_name="X")
    assert response.status_code == 400
    assert "offer_id" in response.json()["errors"]
