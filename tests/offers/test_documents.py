"""Co-sell documents: what is accepted, what is refused, where it is stored, who downloads it."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core.errors import ValidationFailed
from cosell.core.models import AuditEvent
from offers import services
from offers.files import OLE2, PNG
from offers.models import Offer, OfferDocument
from tests.offers.factories import PDF_BYTES, OfferFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}document.xml", "<x/>")
    return buffer.getvalue()


GOOD_FILES = {
    "deck.pdf": PDF_BYTES,
    "deck.ppt": OLE2 + b"\0" * 64,
    "deck.doc": OLE2 + b"\0" * 64,
    "deck.xls": OLE2 + b"\0" * 64,
    "deck.pptx": ooxml("ppt/"),
    "deck.docx": ooxml("word/"),
    "deck.xlsx": ooxml("xl/"),
    "diagram.png": PNG + b"\0" * 32,
    "photo.jpg": b"\xff\xd8\xff\xe0" + b"\0" * 32,
    "DEMO.MP4": b"\0\0\0\x18ftypmp42" + b"\0" * 32,
}


def upload(offer, name, content, kind="other", actor=None):
    return services.offer_document_upload(
        offer_id=offer.pk,
        kind=kind,
        upload=SimpleUploadedFile(name, content),
        actor=actor,
        now=NOW,
    )


@pytest.mark.parametrize(("name", "content"), list(GOOD_FILES.items()))
def test_each_accepted_type_is_stored_under_a_generated_name(partner, name, content):
    offer = OfferFactory(partner=partner)
    document = upload(offer, name, content, kind="case_study")
    assert document.original_name == name
    assert document.size == len(content)
    assert document.file.name.startswith(f"offers/{offer.pk}/")
    assert name.rsplit(".", 1)[0] not in document.file.name
    assert document.file.name.endswith("." + document.extension)
    with document.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\0" * 60, "program"),
        ("tool.docx", b"\x7fELF" + b"\0" * 60, "program"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "program"),
        ("image.pdf", PNG + b"\0" * 32, "not a .pdf"),
        ("deck.pptx", ooxml("word/"), "not a .pptx"),
        ("deck.docx", b"PK\x03\x04 not really a zip", "not a .docx"),
        ("deck.ppt", PDF_BYTES, "not a .ppt"),
        ("clip.mp4", b"\0" * 40, "not a .mp4"),
        ("setup.exe", b"MZ\x90\x00", "not accepted"),
        ("notes.txt", b"hello", "not accepted"),
        ("no-extension", PDF_BYTES, "not accepted"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(partner, name, content, message):
    offer = OfferFactory(partner=partner)
    with pytest.raises(ValidationFailed) as exc:
        upload(offer, name, content)
    assert message in exc.value.errors["file"][0]
    assert not offer.documents.exists()


def test_files_over_the_size_limit_are_refused(partner, settings):
    settings.COSELL_MAX_UPLOAD_MB = 1
    offer = OfferFactory(partner=partner)
    with pytest.raises(ValidationFailed, match="too large"):
        upload(offer, "big.pdf", PDF_BYTES + b"\0" * (1024 * 1024))
    upload(offer, "fits.pdf", PDF_BYTES + b"\0" * 1000)


def test_an_unknown_kind_is_refused(partner):
    with pytest.raises(ValidationFailed) as exc:
        upload(OfferFactory(partner=partner), "a.pdf", PDF_BYTES, kind="brochure")
    assert "kind" in exc.value.errors


def test_up_to_five_other_files(partner):
    offer = OfferFactory(partner=partner)
    for n in range(5):
        upload(offer, f"other{n}.pdf", PDF_BYTES)
    with pytest.raises(ValidationFailed, match="at most 5"):
        upload(offer, "sixth.pdf", PDF_BYTES)
    assert offer.documents.count() == 5


def test_a_new_one_pager_replaces_the_old_one(
    partner, partner_admin, django_capture_on_commit_callbacks
):
    offer = OfferFactory(partner=partner)
    first = upload(offer, "v1.pdf", PDF_BYTES, kind="one_pager", actor=partner_admin)
    storage, old_name = first.file.storage, first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(offer, "v2.pdf", PDF_BYTES, kind="one_pager", actor=partner_admin)
    assert list(offer.documents.values_list("pk", flat=True)) == [second.pk]
    event = AuditEvent.objects.filter(verb="document_uploaded").order_by("-id").first()
    assert event.extra["replaced"] == ["v1.pdf"]
    assert event.actor == partner_admin
    assert not storage.exists(old_name)
    assert storage.exists(second.file.name)


def test_deleting_a_document_removes_its_file_after_commit(
    partner, partner_admin, django_capture_on_commit_callbacks
):
    offer = OfferFactory(partner=partner)
    document = upload(offer, "v1.pdf", PDF_BYTES, kind="case_study")
    storage, name = document.file.storage, document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_document_delete(document_id=document.pk, actor=partner_admin, now=NOW)
    assert not storage.exists(name)
    assert not OfferDocument.objects.filter(pk=document.pk).exists()
    assert AuditEvent.objects.filter(verb="document_deleted", actor=partner_admin).exists()


# Downloads: the offer's partner and staff only; everyone else gets 404.


@pytest.fixture
def stored(partner):
    return upload(
        OfferFactory(partner=partner, co_sell_status="co_sell_ready"),
        "Pitch «deck».pdf",
        PDF_BYTES,
        kind="pitch_deck",
    )


def url(document):
    return f"/offers/{document.offer_id}/documents/{document.pk}/"


@pytest.mark.parametrize("who", ["partner_admin", "partner_user", "admin_user"])
def test_partner_people_and_staff_download_with_the_original_name(request, client_for, stored, who):
    response = client_for(request.getfixturevalue(who)).get(url(stored))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "Pitch" in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["other_partner_admin", "other_partner_user"])
def test_everyone_else_gets_404(request, client_for, stored, who):
    assert client_for(request.getfixturevalue(who)).get(url(stored)).status_code == 404


def test_sellers_download_documents_of_co_sell_ready_offers_only(client_for, seller, stored):
    """Co-sell ready exposes the solution to Microsoft sellers, its pitch deck included."""
    client = client_for(seller)
    response = client.get(url(stored))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    page = client.get(f"/offers/{stored.offer_id}/").content.decode()
    assert "Co-sell documents" in page and "Pitch «deck».pdf" in page
    assert "Delete" not in page and "Upload a document" not in page
    assert "History" not in page
    Offer.objects.filter(pk=stored.offer_id).update(co_sell_status="not_ready")
    assert client.get(url(stored)).status_code == 404


def test_anonymous_is_sent_to_login(client, stored):
    response = client.get(url(stored))
    assert response.status_code == 302
    assert "/login" in response["Location"]
