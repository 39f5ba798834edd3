import pytest

from cosell.partners import demo as partner_demo
from offers import demo
from offers.models import CoSellStatus, Offer
from tests.offers.factories import OfferContactFactory, OfferDocumentFactory, OfferFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_offers_with_history(client_for, admin_user, partner):
    offer = OfferFactory(partner=partner, name="Insight")
    OfferDocumentFactory(offer=offer)
    OfferContactFactory(offer=offer)
    client = client_for(admin_user)
    listing = client.get("/admin/offers/offer/?co_sell_status__exact=not_ready&q=Insight")
    assert listing.status_code == 200 and "Insight" in listing.content.decode()
    page = client.get(f"/admin/offers/offer/{offer.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "status history" in body.lower()
    assert "co-sell documents" in body.lower()


def test_admin_actions_go_through_the_services(client_for, admin_user, azure_offer):
    client = client_for(admin_user)
    Offer.objects.filter(pk=azure_offer.pk).update(technical_validation="pending")
    response = client.post(
        "/admin/offers/offer/",
        {
            "action": "set_technical_validation_passed",
            "_selected_action": [azure_offer.pk],
        },
    )
    assert response.status_code == 302
    azure_offer.refresh_from_db()
    assert azure_offer.technical_validation == "passed"
    response = client.post(
        "/admin/offers/offer/", {"action": "reevaluate", "_selected_action": [azure_offer.pk]}
    )
    assert response.status_code == 302
    azure_offer.refresh_from_db()
    assert azure_offer.co_sell_status == CoSellStatus.AZURE_IP_INCENTIVE


def test_demo_offers_are_seeded_once_and_evaluated(settings, tmp_path):
    partner_demo.seed()
    assert demo.seed() == []
    demo.seed()
    insight = Offer.objects.get(name="Contoso Insight Cloud")
    assert insight.co_sell_status == CoSellStatus.AZURE_IP_INCENTIVE
    assert insight.documents.count() == 3
    assert insight.documents.first().file.open("rb").read(5) == b"%PDF-"
    assert Offer.objects.get(name="Fabrikam Edge Vision").co_sell_status == CoSellStatus.NOT_READY
    dynamics = Offer.objects.get(name="Contoso Field Service for Dynamics 365")
    assert dynamics.co_sell_status == CoSellStatus.BIZAPPS_STANDARD
    # One requirement away from co-sell ready: a sales contact.
    bridge = Offer.objects.get(name="Fabrikam Data Bridge")
    assert bridge.co_sell_status == CoSellStatus.NOT_READY
    assert bridge.co_sell_unmet[0] == "sales_contact"
    assert Offer.objects.count() == 4


def test_admin_adds_and_edits_an_offer_through_the_services(
    client_for, admin_user, partner, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    form = {
        "partner": partner.pk,
        "name": "Made in admin",
        "offer_type": "saas",
        "listing_state": "live",
        "billed_revenue_12m_usd": "0",
        "solution_type": "ip",
        "solution_areas": "[]",
        "technical_validation": "pending",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/offers/offer/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    offer = Offer.objects.get(name="Made in admin")
    assert offer.technical_validation == "pending"
    from cosell.core.models import AuditEvent

    assert AuditEvent.objects.filter(subject_id=str(offer.pk), verb="created").exists()
    form.update(name="Renamed in admin")
    form.pop("partner")
    response = client.post(f"/admin/offers/offer/{offer.pk}/change/", form)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.name == "Renamed in admin"
