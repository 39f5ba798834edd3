"""Browser pages: who sees what, forms, and query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core.models import AuditEvent
from offers.models import CoSellStatus, Offer
from offers.services import offer_status_evaluate
from tests.offers.factories import (
    PDF_BYTES,
    OfferContactFactory,
    OfferDocumentFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(other_partner):
    offer = OfferFactory(partner=other_partner, name="Foreign offer")
    OfferDocumentFactory(offer=offer)
    OfferContactFactory(offer=offer)
    return offer


def test_partner_list_shows_own_offers_with_status_and_badge(
    client_for, partner_user, partner, foreign
):
    OfferFactory(partner=partner, name="Own offer", co_sell_status=CoSellStatus.CO_SELL_READY)
    body = client_for(partner_user).get("/offers/").content.decode()
    assert "Own offer" in body and "Co-sell ready" in body
    assert "Foreign offer" not in body
    assert "Add an offer" not in body  # partner users read only


def test_seller_list_shows_co_sell_ready_offers_read_only(client_for, seller, partner, foreign):
    OfferFactory(partner=partner, name="Ready", co_sell_status=CoSellStatus.CO_SELL_READY)
    client = client_for(seller)
    body = client.get("/offers/").content.decode()
    assert "Ready" in body and "Foreign offer" not in body
    ready = Offer.objects.get(name="Ready")
    detail = client.get(f"/offers/{ready.pk}/").content.decode()
    assert "Co-sell checklist" in detail
    assert "Edit offer" not in detail and "Submit for technical validation" not in detail
    assert client.get(f"/offers/{foreign.pk}/").status_code == 404
    assert client.get(f"/offers/{ready.pk}/edit/").status_code == 403


def test_admin_sees_every_offer_and_sets_technical_validation(client_for, admin_user, foreign):
    client = client_for(admin_user)
    assert "Foreign offer" in client.get("/offers/").content.decode()
    detail = client.get(f"/offers/{foreign.pk}/").content.decode()
    assert "Pass technical validation" in detail and "Fail technical validation" in detail
    # Not submitted yet: refused with a message, nothing changes.
    response = client.post(
        f"/offers/{foreign.pk}/technical-validation/", {"technical_validation": "passed"}
    )
    assert response.status_code == 302
    foreign.refresh_from_db()
    assert foreign.technical_validation == "not_submitted"
    Offer.objects.filter(pk=foreign.pk).update(technical_validation="pending")
    response = client.post(
        f"/offers/{foreign.pk}/technical-validation/", {"technical_validation": "passed"}
    )
    assert response.status_code == 302
    foreign.refresh_from_db()
    assert foreign.technical_validation == "passed"


def test_partner_cannot_set_technical_validation(client_for, partner_admin, partner):
    offer = OfferFactory(partner=partner)
    response = client_for(partner_admin).post(
        f"/offers/{offer.pk}/technical-validation/", {"technical_validation": "passed"}
    )
    assert response.status_code == 403


def test_partner_admin_submits_for_technical_validation(
    client_for, partner_admin, partner_user, partner
):
    offer = OfferFactory(partner=partner)
    client = client_for(partner_admin)
    page = client.get(f"/offers/{offer.pk}/").content.decode()
    assert "Submit for technical validation" in page
    assert "Pass technical validation" not in page
    assert "administrators record them" in page
    assert (
        client_for(partner_user)
        .post(f"/offers/{offer.pk}/technical-validation/", {"action": "submit"})
        .status_code
        == 403
    )
    response = client.post(f"/offers/{offer.pk}/technical-validation/", {"action": "submit"})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.technical_validation == "pending"
    page = client.get(f"/offers/{offer.pk}/").content.decode()
    assert "Submit for technical validation" not in page
    assert "Technical validation is pending" in page


def test_the_offer_form_has_no_measured_facts(client_for, partner_admin, partner):
    """Issue 11: a partner set transactable and billed revenue through the form."""
    offer = OfferFactory(partner=partner, listing_state="draft")
    client = client_for(partner_admin)
    form = client.get(f"/offers/{offer.pk}/edit/").content.decode()
    for name in ("transactable", "billed_revenue_12m_usd", "has_paid_plan", "listing_state"):
        assert f'name="{name}"' not in form, name
    response = client.post(
        f"/offers/{offer.pk}/edit/",
        {
            "name": offer.name,
            "offer_type": "saas",
            "solution_type": "ip",
            "listing_state": "live",
            "transactable": "on",
            "has_paid_plan": "on",
            "billed_revenue_12m_usd": "500000",
            "isv_connect_enrolled": "on",
        },
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.listing_state, offer.transactable, offer.has_paid_plan) == ("draft", False, False)
    assert offer.billed_revenue_12m_usd == 0 and offer.isv_connect_enrolled is False


def test_every_page_is_404_for_another_partner(client_for, other_partner_admin, partner):
    offer = OfferFactory(partner=partner)
    document = OfferDocumentFactory(offer=offer)
    contact = OfferContactFactory(offer=offer)
    client = client_for(other_partner_admin)
    base = f"/offers/{offer.pk}"
    for path in [
        f"{base}/",
        f"{base}/edit/",
        f"{base}/documents/",
        f"{base}/documents/{document.pk}/",
        f"{base}/contacts/new/",
        f"{base}/contacts/import/",
    ]:
        assert client.get(path).status_code == 404, path
    for path in [
        f"{base}/edit/",
        f"{base}/documents/",
        f"{base}/documents/{document.pk}/delete/",
        f"{base}/contacts/new/",
        f"{base}/contacts/{contact.pk}/delete/",
        f"{base}/technical-validation/",
    ]:
        assert client.post(path, {}).status_code == 404, path
    assert offer.documents.count() == 1 and offer.contacts.count() == 1


def test_partner_admin_creates_edits_uploads_and_adds_a_contact(
    client_for, partner_admin, partner, django_capture_on_commit_callbacks
):
    client = client_for(partner_admin)
    assert client.get("/offers/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/offers/new/",
            {
                "name": "Insight",
                "offer_type": "power_bi_app",
                "listing_state": "live",
                "solution_type": "ip",
                "solution_areas": ["data_ai"],
                "billed_revenue_12m_usd": "0",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    offer = Offer.objects.get(name="Insight")
    assert response["Location"] == f"/offers/{offer.pk}/"
    assert offer.listing_state == "draft"  # measured by Microsoft: the form cannot set it
    Offer.objects.filter(pk=offer.pk).update(listing_state="live")
    bad = client.post("/offers/new/", {"name": ""})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        for kind in ("one_pager", "pitch_deck"):
            response = client.post(
                f"/offers/{offer.pk}/documents/",
                {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES)},
            )
            assert response.status_code == 302
        response = client.post(
            f"/offers/{offer.pk}/contacts/new/",
            {"name": "Ada", "email": "ada@example.com", "role": "sales", "countries": "US CA"},
        )
        assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.co_sell_status == CoSellStatus.CO_SELL_READY
    bad = client.post(
        f"/offers/{offer.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("x.pdf", b"MZ\x90\0")},
    )
    assert bad.status_code == 400
    assert "program" in bad.content.decode()
    bad = client.post(
        f"/offers/{offer.pk}/contacts/new/",
        {"name": "Bo", "email": "bo@example.com", "role": "sales", "countries": "XX"},
    )
    assert bad.status_code == 400
    assert "ISO" in bad.content.decode()
    detail = client.get(f"/offers/{offer.pk}/").content.decode()
    for text in (
        "Co-sell checklist",
        "Benefits",
        "Preferred solution badge",
        "one_pager.pdf",
        "Ada",
        "History",
        "Co-sell status changed",
    ):
        assert text in detail, text
    response = client.post(
        f"/offers/{offer.pk}/edit/",
        {
            "name": "Insight 2",
            "offer_type": "power_bi_app",
            "listing_state": "live",
            "solution_type": "ip",
            "billed_revenue_12m_usd": "0",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="updated", actor=partner_admin).exists()


def test_partner_users_cannot_change_anything(client_for, partner_user, partner):
    offer = OfferFactory(partner=partner)
    document = OfferDocumentFactory(offer=offer)
    contact = OfferContactFactory(offer=offer)
    client = client_for(partner_user)
    assert client.get(f"/offers/{offer.pk}/").status_code == 200
    assert client.get("/offers/new/").status_code == 403
    assert client.get(f"/offers/{offer.pk}/edit/").status_code == 403
    assert client.post(f"/offers/{offer.pk}/documents/{document.pk}/delete/").status_code == 403
    assert client.post(f"/offers/{offer.pk}/contacts/{contact.pk}/delete/").status_code == 403


def test_admin_deletes_a_document_and_a_contact(client_for, partner_admin, partner):
    offer = OfferFactory(partner=partner)
    document = OfferDocumentFactory(offer=offer)
    contact = OfferContactFactory(offer=offer)
    client = client_for(partner_admin)
    assert client.post(f"/offers/{offer.pk}/documents/{document.pk}/delete/").status_code == 302
    assert client.post(f"/offers/{offer.pk}/contacts/{contact.pk}/delete/").status_code == 302
    assert not offer.documents.exists() and not offer.contacts.exists()


def test_the_pending_badge_date_is_shown(client_for, partner_admin, azure_offer):
    offer_status_evaluate(offer_id=azure_offer.pk, now=azure_offer.created_at)
    azure_offer.refresh_from_db()
    body = client_for(partner_admin).get(f"/offers/{azure_offer.pk}/").content.decode()
    assert "Expected with the propagation run of" in body
    assert "Microsoft says it may take up to 30 days" in body
    assert "will appear on the store listing" not in body
    home = client_for(partner_admin).get("/").content.decode()
    assert "badge expected with the propagation run of" in home
    assert "Insight Cloud" in home


def test_seller_home_has_the_offers_panel(client_for, seller):
    assert "Co-sell ready offers" in client_for(seller).get("/").content.decode()


def test_list_page_queries_do_not_grow_with_rows(
    client_for, partner_admin, partner, django_assert_max_num_queries
):
    client = client_for(partner_admin)
    OfferFactory.create_batch(3, partner=partner)
    client.get("/offers/")
    with django_assert_max_num_queries(30) as small:
        assert client.get("/offers/").status_code == 200
    OfferFactory.create_batch(27, partner=partner)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/offers/").content.decode().count("/offers/") >= 30


def test_nav_links_to_offers(client_for, partner_user):
    assert 'href="/offers/"' in client_for(partner_user).get("/").content.decode()


def test_history_reads_in_sentences_never_codes_or_job_names(
    client_for, partner_admin, azure_offer
):
    from datetime import UTC, datetime

    from offers.services import badge_propagate

    offer_status_evaluate(
        offer_id=azure_offer.pk, now=datetime(2026, 1, 10, tzinfo=UTC), job="offers.reevaluate_all"
    )
    badge_propagate(now=datetime(2026, 1, 31, 4, tzinfo=UTC))
    body = client_for(partner_admin).get(f"/offers/{azure_offer.pk}/").content.decode()
    history = body[body.index("history-heading") :]
    # Sentences: a job acting first in its sentence starts with a capital.
    assert "the badge propagation run" in history.lower()
    assert "the nightly co-sell status check" in history.lower()
    for code in (
        "offers.badge_propagate",
        "offers.reevaluate_all",
        "azure_ip_incentive",
        "co_sell_status:",
    ):
        assert code not in history, code
