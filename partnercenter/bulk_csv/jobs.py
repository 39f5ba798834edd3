"""The Partner Center upload as a background job: a dry run first, then all or nothing; the
job answers with the same file, its Errors column filled."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from cosell.core import background, clock
from opportunities.deals import csv_io
from opportunities.deals.imports.jobs import may_import, partner_of

from . import upload

KIND = "partnercenter.bulk_upload"


@background.register(
    KIND,
    title=_("Partner Center bulk upload"),
    appliable=True,
    may_start=may_import,
)
def bulk_upload_job(job, progress) -> background.Outcome:
    partner = partner_of(job)
    bulk = upload.read(bytes(job.content))
    rows = upload.to_rows(bulk, user=job.user)
    try:
        report = csv_io.run_import(
            partner=partner,
            actor=job.user,
            now=clock.now(),
            rows=rows,
            dry_run=bool(job.options.get("dry_run", True)),
            progress=progress,
        )
    except PermissionDenied as exc:
        raise background.JobRejected({"non_field_errors": [str(exc)]}) from None
    for row in report.rows:
        row.errors = upload.relabel(row.errors)
    name = (job.filename or "co-sell-opportunities.csv").rsplit(".", 1)[0]
    return background.Outcome(
        result=report.as_dict(),
        ok=report.ok,
        filename=f"{name}-processed.csv",
        file=upload.answer(bulk, report),
    )


def check_file(raw: bytes) -> None:
    upload.read(raw)
