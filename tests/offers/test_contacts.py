"""Co-sell contacts: country validation and the all-or-nothing CSV import."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core import background
from cosell.core.errors import ValidationFailed
from cosell.core.models import AuditEvent, BackgroundJob
from offers import services
from offers.models import OfferContact
from offers.services.contacts import CsvImportFailed
from tests.offers.factories import OfferContactFactory, OfferFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("US", ["US"]),
        ("us; ca", ["US", "CA"]),
        ("US CA  GB", ["US", "CA", "GB"]),
        ("US,US", ["US"]),
        (["cn", "jp"], ["CN", "JP"]),
        ("OOO", ["OOO"]),
        ("US OOO", ["OOO"]),
    ],
)
def test_countries_are_iso_alpha_2_or_ooo(value, expected):
    assert services.countries_normalize(value) == expected


@pytest.mark.parametrize("value", ["", "XX", "USA", "US; ZZ", "EU"])
def test_bad_countries_are_refused(value):
    with pytest.raises(ValueError):
        services.countries_normalize(value)


def test_adding_a_contact_validates_every_field(partner, partner_admin):
    offer = OfferFactory(partner=partner)
    with pytest.raises(ValidationFailed) as exc:
        services.offer_contact_add(
            offer_id=offer.pk,
            actor=partner_admin,
            now=NOW,
            name="",
            email="not-an-email",
            role="boss",
            countries="XX",
        )
    assert set(exc.value.errors) == {"name", "email", "role", "countries"}
    contact = services.offer_contact_add(
        offer_id=offer.pk,
        actor=partner_admin,
        now=NOW,
        name="Ada",
        email="Ada@Example.com",
        role="Technical sales",
        countries="us ca",
    )
    assert (contact.email, contact.role, contact.countries) == (
        "ada@example.com",
        "technical_sales",
        ["US", "CA"],
    )
    assert AuditEvent.objects.filter(verb="contact_added", actor=partner_admin).exists()


GOOD_CSV = (
    "name,email,job_title,role,countries\n"
    "Ada Li,ada@example.com,Account executive,sales,US;CA\n"
    "Bo Chen,bo@example.com,,technical_sales,OOO\n"
    "Cy Wu,cy@example.com,Marketing lead,marketing,GB FR\n"
)


def test_a_good_csv_adds_every_contact(partner, partner_admin):
    offer = OfferFactory(partner=partner)
    contacts = services.offer_contacts_import(
        offer_id=offer.pk, content=GOOD_CSV.encode("utf-8-sig"), actor=partner_admin, now=NOW
    )
    assert len(contacts) == 3
    rows = list(offer.contacts.order_by("name").values_list("name", "role", "countries"))
    assert rows == [
        ("Ada Li", "sales", ["US", "CA"]),
        ("Bo Chen", "technical_sales", ["OOO"]),
        ("Cy Wu", "marketing", ["GB", "FR"]),
    ]
    assert AuditEvent.objects.get(verb="contacts_imported").extra == {"count": 3}


def test_a_csv_with_bad_rows_changes_nothing_and_names_each_problem(partner, partner_admin):
    offer = OfferFactory(partner=partner)
    OfferContactFactory(offer=offer)
    content = (
        "name,email,job_title,role,countries\n"
        "Ada Li,ada@example.com,,sales,US\n"
        ",bad-email,,sales,US\n"
        "Cy Wu,cy@example.com,,ceo,XX\n"
    )
    with pytest.raises(CsvImportFailed) as exc:
        services.offer_contacts_import(
            offer_id=offer.pk, content=content, actor=partner_admin, now=NOW
        )
    problems = {(p["line"], p["field"]) for p in exc.value.rows}
    assert problems == {(3, "name"), (3, "email"), (4, "role"), (4, "countries")}
    assert any(m.startswith("Line 3, email:") for m in exc.value.errors["file"])
    assert offer.contacts.count() == 1
    assert not AuditEvent.objects.filter(verb="contacts_imported").exists()


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"", "header"),
        (b"name,email\nAda,ada@example.com\n", "header"),
        (b"name,email,job_title,role,countries\n", "file"),
        (b"\xff\xfe\x00bad", "file"),
    ],
)
def test_unusable_files_are_refused(partner, partner_admin, content, field):
    offer = OfferFactory(partner=partner)
    with pytest.raises(CsvImportFailed) as exc:
        services.offer_contacts_import(
            offer_id=offer.pk, content=content, actor=partner_admin, now=NOW
        )
    assert exc.value.rows[0]["field"] == field
    assert not OfferContact.objects.exists()


def test_the_import_page_lists_bad_rows(client_for, partner, partner_admin):
    offer = OfferFactory(partner=partner)
    response = client_for(partner_admin).post(
        f"/offers/{offer.pk}/contacts/import/",
        {
            "file": SimpleUploadedFile(
                "contacts.csv", b"name,email,job_title,role,countries\nAda,nope,,sales,US\n"
            )
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "Enter a valid email address." in body
    assert not offer.contacts.exists()
    response = client_for(partner_admin).post(
        f"/offers/{offer.pk}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", GOOD_CSV.encode())},
    )
    # The import runs in the worker: the page is the job's, and its run adds them.
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert not offer.contacts.exists()
    assert background.run(job.pk) == "succeeded"
    assert offer.contacts.count() == 3
    page = client_for(partner_admin).get(response["Location"])
    assert b"3 created" in page.content


def test_the_api_imports_contacts_as_a_background_job(client_for, partner, partner_admin):
    offer = OfferFactory(partner=partner)
    client = client_for(partner_admin)
    response = client.post(
        f"/api/v1/offers/{offer.pk}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", GOOD_CSV.encode())},
    )
    assert response.status_code == 202
    assert response.json()["kind"] == "offers.contacts_import"
    background.run(response.json()["id"])
    job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded" and job["result"]["counts"]["create"] == 3
    assert offer.contacts.count() == 3
