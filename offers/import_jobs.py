"""The contacts CSV import as a background job: the request checks the file (every row, a
cheap check with no database) and answers at once with the job's address; the worker adds the
contacts, all or nothing (``services.offer_contacts_import``)."""

from django.utils.translation import gettext_lazy as _

from cosell.core import background, clock

from . import services
from .models import Offer
from .services.contacts import CsvImportFailed

KIND = "offers.contacts_import"


@background.register(KIND, title=_("Contacts import"))
def contacts_import_job(job, progress) -> background.Outcome:
    offer = Offer.objects.filter(pk=job.options.get("offer_id")).first()
    if offer is None or not job.user.has_perm("offers.manage_offer", offer):
        raise background.JobRejected({"non_field_errors": [_("You no longer manage this offer.")]})
    content = bytes(job.content)
    progress(0, len(services.contacts_parse_csv(content)), phase="checking")
    try:
        contacts = services.offer_contacts_import(
            offer_id=offer.pk, content=content, actor=job.user, now=clock.now()
        )
    except CsvImportFailed as exc:
        raise background.JobRejected(exc.errors) from None
    return background.Outcome(
        result={
            "dry_run": False,
            "applied": True,
            "offer_id": offer.pk,
            "counts": {"create": len(contacts), "update": 0, "unchanged": 0, "error": 0},
            "rows": [],
        }
    )


def start(*, offer: Offer, user, partner_id, raw: bytes, filename: str):
    """Check every row (CsvImportFailed: a 400 at once, nothing started), then queue the job."""
    services.contacts_parse_csv(raw)
    return background.background_job_start(
        kind=KIND,
        user=user,
        partner_id=partner_id,
        now=clock.now(),
        content=raw,
        filename=filename,
        options={"offer_id": offer.pk},
    )
