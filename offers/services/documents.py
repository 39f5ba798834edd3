"""Co-sell documents: upload (checked) and delete."""

from datetime import datetime
from pathlib import PurePath
from typing import cast

from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit
from cosell.core.errors import ValidationFailed

from ..files import check_upload
from ..models import Offer, OfferDocument
from .offers import queue_evaluation

MAX_OTHER_FILES = 5
# Kinds an offer has one of: a new upload replaces the old one.
SINGLE_KINDS = frozenset(
    {
        OfferDocument.Kind.ONE_PAGER,
        OfferDocument.Kind.PITCH_DECK,
        OfferDocument.Kind.ARCHITECTURE_DIAGRAM,
        OfferDocument.Kind.CHANNEL_PITCH_DECK,
    }
)


# The stubs type FieldFile.name optional; a saved document always has one (NOT NULL column).
def _delete_files_on_commit(names: list[str], storage) -> None:
    def delete():
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)


def offer_document_upload(
    *, offer_id: int, kind: str, upload, actor, now: datetime
) -> OfferDocument:
    """Store a checked co-sell document under a generated name.

    A one-pager, pitch deck, architecture diagram or channel pitch deck replaces the offer's
    previous one; there may be up to five "other" files.
    """
    if kind not in OfferDocument.Kind.values:
        raise ValidationFailed(
            {"kind": [_("Choose one of: %(codes)s.") % {"codes": ", ".join(OfferDocument.Kind)}]}
        )
    if upload is None:
        raise ValidationFailed({"file": [_("Choose a file to upload.")]})
    extension, content_type = check_upload(upload)
    original_name = PurePath(upload.name or "").name[:255] or f"document.{extension}"
    with transaction.atomic():
        # Locking the offer serialises uploads, so the "other" count cannot be raced past.
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        existing = list(offer.documents.filter(kind=kind))
        if kind == OfferDocument.Kind.OTHER and len(existing) >= MAX_OTHER_FILES:
            raise ValidationFailed(
                {
                    "kind": [
                        _("An offer has at most %(n)s other files; delete one first.")
                        % {"n": MAX_OTHER_FILES}
                    ]
                }
            )
        replaced = existing if kind in SINGLE_KINDS else []
        document = OfferDocument(
            offer=offer,
            kind=kind,
            original_name=original_name,
            extension=extension,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        upload.seek(0)
        document.file.save(original_name, upload, save=False)
        # The file is written before the row: if the transaction fails, delete it again.
        stored = document.file.name
        assert stored is not None  # just saved under a generated name
        try:
            document.save()
            for old in replaced:
                old.delete()
        except Exception:
            document.file.storage.delete(stored)
            raise
        _delete_files_on_commit(
            [cast(str, old.file.name) for old in replaced], document.file.storage
        )
        audit.record(
            offer,
            "document_uploaded",
            actor=actor,
            at=now,
            extra={
                "document_id": document.pk,
                "kind": kind,
                "name": original_name,
                "replaced": [old.original_name for old in replaced],
            },
        )
        queue_evaluation(offer.pk, actor=actor, cause="document_uploaded")
    return document


def offer_document_delete(*, document_id: int, actor, now: datetime) -> None:
    """Delete a co-sell document and its file; the offer is re-evaluated after commit."""
    with transaction.atomic():
        document = (
            OfferDocument.objects.select_for_update().select_related("offer").get(pk=document_id)
        )
        offer = document.offer
        name, storage = document.file.name, document.file.storage
        document.delete()
        _delete_files_on_commit([cast(str, name)], storage)
        audit.record(
            offer,
            "document_deleted",
            actor=actor,
            at=now,
            extra={
                "document_id": document_id,
                "kind": document.kind,
                "name": document.original_name,
            },
        )
        queue_evaluation(offer.pk, actor=actor, cause="document_deleted")
