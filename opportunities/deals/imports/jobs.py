"""CSV imports of opportunities as background jobs: the request checks the file as a whole
(size, encoding, header, at most 1,000 rows) and answers at once with the job's address; the
worker checks every row (dry run) or applies them all (``dry_run`` false)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from cosell.core import background, clock, csv_files
from cosell.partners.models import Partner
from opportunities.deals import csv_io as deal_csv

KIND = "opportunities.import"


def may_import(user) -> bool:
    return deal_csv.can_import(user, getattr(user, "partner", None))


def partner_of(job) -> Partner:
    partner = Partner.objects.filter(pk=job.partner_id).first()
    if partner is None or not deal_csv.can_import(job.user, partner):
        raise background.JobRejected(
            {"non_field_errors": [_("Only the partner's admins import its opportunities.")]}
        )
    return partner


@background.register(KIND, title=_("Opportunities import"), appliable=True, may_start=may_import)
def opportunities_import_job(job, progress) -> background.Outcome:
    partner = partner_of(job)
    try:
        report = deal_csv.opportunities_import(
            partner=partner,
            actor=job.user,
            now=clock.now(),
            raw=bytes(job.content),
            dry_run=bool(job.options.get("dry_run", True)),
            progress=progress,
        )
    except PermissionDenied as exc:
        raise background.JobRejected({"non_field_errors": [str(exc)]}) from None
    return background.Outcome(result=report.as_dict(), ok=report.ok)


def start(*, kind: str, user, partner, raw: bytes, filename: str, dry_run: bool, check):
    """Check the file as a whole (``check(raw)`` raises ImportRejected: a 400 at once), then
    queue the job."""
    check(raw)
    return background.background_job_start(
        kind=kind,
        user=user,
        partner_id=partner.pk,
        now=clock.now(),
        content=raw,
        filename=filename,
        options={"dry_run": dry_run},
    )


def check_portal_file(raw: bytes) -> None:
    deal_csv.parse(csv_files.decode(raw))
