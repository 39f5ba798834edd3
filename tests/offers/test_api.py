"""The offers API: tenancy (another partner's object is 404), who may write (403), error shape,
the co-sell endpoint, documents and contacts, partner figures, and query counts."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cosell.core import background
from cosell.core.models import ApiToken
from offers.models import CoSellStatus, Offer, OfferType
from tests.offers.conftest import make_ready
from tests.offers.factories import (
    PDF_BYTES,
    OfferContactFactory,
    OfferDocumentFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    raw, key_hash, prefix = ApiToken.generate()
    ApiToken.objects.create(user=user, name="test", key_hash=key_hash, prefix=prefix)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


@pytest.fixture
def offer(partner):
    return OfferFactory(partner=partner, name="Own offer")


@pytest.fixture
def foreign(other_partner):
    offer = OfferFactory(partner=other_partner, name="Foreign offer")
    OfferDocumentFactory(offer=offer)
    OfferContactFactory(offer=offer)
    return offer


def test_list_shows_only_the_callers_offers_with_filters(partner_admin, offer, foreign):
    OfferFactory(
        partner=offer.partner,
        name="Ready one",
        offer_type=OfferType.AZURE_VIRTUAL_MACHINE,
        listing_state=Offer.ListingState.DRAFT,
        co_sell_status=CoSellStatus.CO_SELL_READY,
    )
    client = api(partner_admin)
    body = client.get("/api/v1/offers/").json()
    assert [o["name"] for o in body["results"]] == ["Own offer", "Ready one"]
    assert body["results"][0]["store"] == "azure_marketplace"
    names = lambda q: [o["name"] for o in client.get("/api/v1/offers/" + q).json()["results"]]  # noqa: E731
    assert names("?status=co_sell_ready") == ["Ready one"]
    assert names("?type=azure_virtual_machine") == ["Ready one"]
    assert names("?listing_state=live") == ["Own offer"]
    bad = client.get("/api/v1/offers/?status=bogus")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"


def test_sellers_see_co_sell_ready_offers_of_every_partner_read_only(seller, offer, foreign):
    Offer.objects.filter(pk=foreign.pk).update(co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE)
    client = api(seller)
    assert [o["name"] for o in client.get("/api/v1/offers/").json()["results"]] == ["Foreign offer"]
    assert client.get(f"/api/v1/offers/{offer.pk}/").status_code == 404
    assert client.get(f"/api/v1/offers/{foreign.pk}/co-sell/").status_code == 200
    assert client.get(f"/api/v1/offers/{foreign.pk}/contacts/").status_code == 200
    # Co-sell ready exposes the solution and its documents to sellers, read-only.
    documents = client.get(f"/api/v1/offers/{foreign.pk}/documents/")
    assert documents.status_code == 200 and len(documents.json()) == 1
    doc = foreign.documents.get()
    download = client.get(f"/api/v1/offers/{foreign.pk}/documents/{doc.pk}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    upload = client.post(
        f"/api/v1/offers/{foreign.pk}/documents/",
        {"kind": "one_pager", "file": SimpleUploadedFile("x.pdf", PDF_BYTES)},
    )
    assert upload.status_code == 403
    assert client.delete(f"/api/v1/offers/{foreign.pk}/documents/{doc.pk}/").status_code == 403
    # Not co-sell ready: neither the offer nor its documents.
    Offer.objects.filter(pk=foreign.pk).update(co_sell_status=CoSellStatus.NOT_READY)
    assert client.get(f"/api/v1/offers/{foreign.pk}/documents/").status_code == 404
    assert client.get(f"/api/v1/offers/{foreign.pk}/documents/{doc.pk}/file/").status_code == 404
    Offer.objects.filter(pk=foreign.pk).update(co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE)
    patch = client.patch(
        f"/api/v1/offers/{foreign.pk}/", {"name": "x"}, content_type="application/json"
    )
    assert patch.status_code == 403


def test_every_endpoint_answers_404_for_another_partners_offer(partner_admin, foreign):
    client = api(partner_admin)
    doc = foreign.documents.get()
    contact = foreign.contacts.get()
    base = f"/api/v1/offers/{foreign.pk}"
    for path in [
        f"{base}/",
        f"{base}/co-sell/",
        f"{base}/documents/",
        f"{base}/documents/{doc.pk}/",
        f"{base}/documents/{doc.pk}/file/",
        f"{base}/contacts/",
        f"{base}/contacts/{contact.pk}/",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert (
        client.patch(f"{base}/", {"name": "x"}, content_type="application/json").status_code == 404
    )
    assert client.delete(f"{base}/documents/{doc.pk}/").status_code == 404
    assert client.delete(f"{base}/contacts/{contact.pk}/").status_code == 404
    upload = client.post(
        f"{base}/documents/", {"kind": "one_pager", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)}
    )
    assert upload.status_code == 404
    add = client.post(
        f"{base}/contacts/",
        {"name": "A", "email": "a@example.com", "role": "sales", "countries": ["US"]},
        content_type="application/json",
    )
    assert add.status_code == 404
    assert foreign.documents.count() == 1 and foreign.contacts.count() == 1


def test_partner_admin_creates_and_edits_and_the_status_follows(
    partner_admin, azure_partner, django_capture_on_commit_callbacks
):
    client = api(partner_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/offers/",
            {
                "name": "Insight",
                "offer_type": "saas",
                "solution_type": "ip",
                "solution_areas": ["data_ai"],
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["partner"] == azure_partner.pk
    assert created["co_sell_status"] == "not_ready"
    offer = Offer.objects.get(pk=created["id"])
    # Microsoft's measured facts: recorded by the portal's administrators.
    Offer.objects.filter(pk=offer.pk).update(
        listing_state="live", transactable=True, has_paid_plan=True
    )
    make_ready(offer, diagram=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/api/v1/offers/{offer.pk}/",
            {"name": "Insight Cloud"},
            content_type="application/json",
        )
    assert response.status_code == 200
    # Re-evaluated after commit. Technical validation is missing: co-sell ready, no incentive.
    assert client.get(f"/api/v1/offers/{offer.pk}/").json()["co_sell_status"] == "co_sell_ready"
    co_sell = client.get(f"/api/v1/offers/{offer.pk}/co-sell/").json()
    assert co_sell["status"] == "co_sell_ready"
    assert co_sell["next_missing"] == "technical_validation"
    assert {"code", "met", "detail"} <= set(co_sell["checklist"][0])
    assert {b["code"] for b in co_sell["benefits"]} == {
        "csp_incentive",
        "azure_benefit_eligible",
        "preferred_solution_badge",
    }
    assert co_sell["badge"] == {"state": "none", "visible_from": None, "changes_at": None}


def test_bad_input_is_400_naming_the_field(partner_admin, offer):
    client = api(partner_admin)
    response = client.post(
        "/api/v1/offers/", {"name": "", "offer_type": "floppy"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert {"name", "offer_type"} <= set(response.json()["errors"])
    response = client.patch(
        f"/api/v1/offers/{offer.pk}/",
        {"solution_type": "rocket", "solution_areas": ["moon"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"solution_type", "solution_areas"} <= set(response.json()["errors"])
    assert (
        client.put(f"/api/v1/offers/{offer.pk}/", {}, content_type="application/json").status_code
        == 405
    )


def test_partner_users_read_but_do_not_write(partner_user, offer):
    client = api(partner_user)
    assert client.get(f"/api/v1/offers/{offer.pk}/").status_code == 200
    assert (
        client.post(
            "/api/v1/offers/", {"name": "x", "offer_type": "saas"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/offers/{offer.pk}/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/offers/{offer.pk}/documents/",
            {"kind": "one_pager", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        ).status_code
        == 403
    )


def test_only_staff_set_technical_validation(partner_admin, admin_user, offer, foreign):
    body = {"technical_validation": "passed"}
    own = api(partner_admin).patch(
        f"/api/v1/offers/{offer.pk}/", body, content_type="application/json"
    )
    assert own.status_code == 403
    assert own.json()["code"] == "permission_denied"
    assert (
        api(partner_admin)
        .patch(f"/api/v1/offers/{foreign.pk}/", body, content_type="application/json")
        .status_code
        == 404
    )
    created = api(partner_admin).post(
        "/api/v1/offers/",
        {"name": "x", "offer_type": "saas", **body},
        content_type="application/json",
    )
    assert created.status_code == 403
    # Staff pass only what was submitted: 409 before, 200 after the partner submits.
    early = api(admin_user).patch(
        f"/api/v1/offers/{offer.pk}/", body, content_type="application/json"
    )
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"
    submit = api(partner_admin).post(f"/api/v1/offers/{offer.pk}/technical-validation/submit/")
    assert submit.status_code == 200 and submit.json()["technical_validation"] == "pending"
    staff = api(admin_user).patch(
        f"/api/v1/offers/{offer.pk}/", body, content_type="application/json"
    )
    assert staff.status_code == 200
    assert staff.json()["technical_validation"] == "passed"
    made = api(admin_user).post(
        "/api/v1/offers/",
        {"name": "By staff", "offer_type": "saas", "partner": offer.partner_id},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert api(admin_user).post(
        "/api/v1/offers/",
        {"name": "No partner", "offer_type": "saas"},
        content_type="application/json",
    ).json()["errors"] == {"partner": ["Staff must name the partner."]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("transactable", True),
        ("billed_revenue_12m_usd", "250000"),
        ("has_paid_plan", True),
        ("listing_state", "live"),
        ("isv_connect_enrolled", True),
    ],
)
def test_a_partner_cannot_self_certify_measured_facts(
    partner_admin, admin_user, offer, field, value
):
    """Issue 11: setting transactable and billed revenue on its own offer reached incentives
    with no administrator involved."""
    Offer.objects.filter(pk=offer.pk).update(listing_state="draft")
    before = Offer.objects.values(field).get(pk=offer.pk)[field]
    patch = api(partner_admin).patch(
        f"/api/v1/offers/{offer.pk}/", {field: value}, content_type="application/json"
    )
    assert patch.status_code == 403
    assert field in patch.json()["detail"]
    created = api(partner_admin).post(
        "/api/v1/offers/",
        {"name": "Self-certified", "offer_type": "saas", field: value},
        content_type="application/json",
    )
    assert created.status_code == 403
    assert not Offer.objects.filter(name="Self-certified").exists()
    assert Offer.objects.values(field).get(pk=offer.pk)[field] == before
    staff = api(admin_user).patch(
        f"/api/v1/offers/{offer.pk}/", {field: value}, content_type="application/json"
    )
    assert staff.status_code == 200, staff.json()
    assert str(Offer.objects.values(field).get(pk=offer.pk)[field]) in (str(value), f"{value}.00")


def test_technical_validation_actions(partner_admin, partner_user, admin_user, offer, foreign):
    url = f"/api/v1/offers/{offer.pk}/technical-validation/"
    assert api(partner_user).post(url + "submit/").status_code == 403
    assert (
        api(partner_admin)
        .post(f"/api/v1/offers/{foreign.pk}/technical-validation/submit/")
        .status_code
        == 404
    )
    assert api(partner_admin).post(url + "pass/").status_code == 403
    assert api(admin_user).post(url + "pass/").status_code == 409
    assert api(partner_admin).post(url + "submit/").json()["technical_validation"] == "pending"
    assert api(partner_admin).post(url + "submit/").status_code == 200  # harmless repeat
    assert api(partner_admin).post(url + "fail/").status_code == 403
    assert api(admin_user).post(url + "fail/").json()["technical_validation"] == "failed"
    assert api(partner_admin).post(url + "submit/").json()["technical_validation"] == "pending"
    assert api(admin_user).post(url + "pass/").json()["technical_validation"] == "passed"


def test_documents_upload_list_download_delete(partner_admin, offer):
    client = api(partner_admin)
    base = f"/api/v1/offers/{offer.pk}/documents/"
    response = client.post(
        base, {"kind": "one_pager", "file": SimpleUploadedFile("One.pdf", PDF_BYTES)}
    )
    assert response.status_code == 201, response.json()
    doc = response.json()
    assert doc["original_name"] == "One.pdf" and doc["kind"] == "one_pager"
    assert [d["id"] for d in client.get(base).json()] == [doc["id"]]
    file = client.get(f"{base}{doc['id']}/file/")
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == PDF_BYTES
    bad = client.post(base, {"kind": "one_pager", "file": SimpleUploadedFile("x.pdf", b"MZ\x90\0")})
    assert bad.status_code == 400
    assert "file" in bad.json()["errors"]
    missing = client.post(base, {"kind": "one_pager"})
    assert missing.status_code == 400
    assert client.delete(f"{base}{doc['id']}/").status_code == 204
    assert client.get(base).json() == []


def test_contacts_list_create_import_delete(partner_admin, offer):
    client = api(partner_admin)
    base = f"/api/v1/offers/{offer.pk}/contacts/"
    created = client.post(
        base,
        {"name": "Ada", "email": "ada@example.com", "role": "sales", "countries": ["us", "ca"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["countries"] == ["US", "CA"]
    bad = client.post(
        base,
        {"name": "Bo", "email": "bo@example.com", "role": "sales", "countries": ["XX"]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "countries" in bad.json()["errors"]
    csv = (
        b"name,email,job_title,role,countries\n"
        b"Bo,bo@example.com,,marketing,OOO\n"
        b"Cy,nope,,sales,US\n"
    )
    failed = client.post(f"{base}import/", {"file": SimpleUploadedFile("c.csv", csv)})
    assert failed.status_code == 400
    assert failed.json()["rows"] == [
        {"line": 3, "field": "email", "message": "Enter a valid email address."}
    ]
    ok = client.post(
        f"{base}import/",
        {"file": SimpleUploadedFile("c.csv", csv.splitlines(True)[0] + csv.splitlines(True)[1])},
    )
    assert ok.status_code == 202  # checked at once, added by the worker
    assert background.run(ok.json()["id"]) == "succeeded"
    assert len(client.get(base).json()) == 2
    assert client.delete(f"{base}{created.json()['id']}/").status_code == 204
    assert len(client.get(base).json()) == 1


def test_partner_figures_patch_is_for_staff(
    partner_admin, admin_user, partner, other_partner, django_capture_on_commit_callbacks
):
    offer = make_ready(
        OfferFactory(
            partner=partner,
            offer_type=OfferType.DYNAMICS_365_OPERATIONS,
            isv_connect_enrolled=True,
        )
    )
    body = {"isv_connect_tier": "premium", "acr_trailing_12m_usd": "200000.00"}
    own = api(partner_admin).patch(
        f"/api/v1/partners/{partner.pk}/", body, content_type="application/json"
    )
    assert own.status_code == 403
    other = api(partner_admin).patch(
        f"/api/v1/partners/{other_partner.pk}/", body, content_type="application/json"
    )
    assert other.status_code == 404
    assert api(partner_admin).get(f"/api/v1/partners/{partner.pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        staff = api(admin_user).patch(
            f"/api/v1/partners/{partner.pk}/",
            {
                **body,
                "sa_vetted": True,
                "solutions_partner_designation": True,
                "business_profile_complete": True,
            },
            content_type="application/json",
        )
    assert staff.status_code == 200, staff.json()
    assert staff.json()["isv_connect_tier"] == "premium"
    partner.refresh_from_db()
    assert partner.acr_trailing_12m_usd == Decimal("200000")
    offer.refresh_from_db()
    assert offer.co_sell_status == CoSellStatus.BIZAPPS_PREMIUM
    bad = api(admin_user).patch(
        f"/api/v1/partners/{partner.pk}/",
        {"isv_connect_tier": "gold"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "isv_connect_tier" in bad.json()["errors"]
    bad = api(admin_user).patch(
        f"/api/v1/partners/{partner.pk}/", {"partner_id": "12ab"}, content_type="application/json"
    )
    assert bad.status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/offers/"])
def test_list_endpoint_queries_do_not_grow_with_rows(
    partner_admin, partner, django_assert_max_num_queries, path
):
    client = api(partner_admin)
    OfferFactory.create_batch(3, partner=partner)
    client.get(path)  # token last-used write happens once a minute
    with django_assert_max_num_queries(20) as small:
        assert client.get(path).status_code == 200
    OfferFactory.create_batch(27, partner=partner)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(path).json()["results"]) == 30


def test_the_schema_documents_the_offer_endpoints(admin_user):
    response = api(admin_user).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/offers/{id}/co-sell/" in paths
    assert "/api/v1/offers/{offer_pk}/documents/" in paths
    patch = paths["/api/v1/offers/{id}/"]["patch"]["responses"]
    assert {"200", "400", "403", "404"} <= set(patch)
    assert {"200", "400", "403", "404"} <= set(
        paths["/api/v1/partners/{id}/"]["patch"]["responses"]
    )
