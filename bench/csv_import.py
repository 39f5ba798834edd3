"""Scenario "CSV import 1,000 rows (dry run / apply)": the background job of a portal CSV import
of 1,000 new deals (private and partner-to-partner, as a partner's CRM export would have them)
by the large partner's admin, run in this process as the worker runs it
(``cosell.core.background.run``), the dry run and then the apply. Target: under 5 s each
(issue 12). What the apply wrote is deleted between repetitions.

    .venv/bin/python -m bench.run ...          (called from run.py's main)
    .venv/bin/python -m bench.csv_import       (alone, on $DATABASE_URL, its first partner admin)
"""

import csv
import io
import statistics
import time

ROWS = 1000
LIMIT_SECONDS = 5.0
PREFIX = "BENCH-CSV-"


def make_file(n: int = ROWS, tag: str = "") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["crm_id", "name", "category", "customer_name", "customer_country", "customer_address",
         "value", "currency", "close_date", "stage", "notes", "solutions"]
    )  # fmt: skip
    for i in range(n):
        writer.writerow(
            [f"{PREFIX}{tag}{i}", f"Bench deal {i}", "p2p" if i % 3 == 0 else "private",
             f"Bench customer {tag}{i}", "US" if i % 2 else "CN", f"{i} Bench Street",
             f"{1000 + i}.00", "USD", "2027-06-30", "qualified" if i % 4 == 0 else "",
             "From the CRM", "microsoft:Azure; third_party:Bench BI"]
        )  # fmt: skip
    return out.getvalue().encode("utf-8-sig")


def _cleanup() -> None:
    from django.db import connection

    from opportunities.deals.models import Opportunity

    ids = [
        str(pk)
        for pk in Opportunity.objects.filter(crm_id__startswith=PREFIX).values_list("pk", flat=True)
    ]
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM core_auditevent WHERE subject_id = ANY(%s) AND subject_type_id = "
                "(SELECT id FROM django_content_type WHERE app_label = 'opportunities' "
                "AND model = 'opportunity')",
                [ids],
            )
            cursor.execute(
                "DELETE FROM webhooks_outboxevent WHERE subject_type = 'opportunities.opportunity' "
                "AND subject_id = ANY(%s)",
                [ids],
            )
        Opportunity.objects.filter(crm_id__startswith=PREFIX).delete()


def _run_job(user, partner, raw: bytes, dry_run: bool) -> tuple[float, dict]:
    from cosell.core import background, clock
    from cosell.core.models import BackgroundJob

    job = BackgroundJob.objects.create(
        kind="opportunities.import",
        user=user,
        partner_id=partner.pk,
        content=raw,
        filename="bench.csv",
        options={"dry_run": dry_run},
        created_at=clock.now(),
    )
    started = time.perf_counter()
    status = background.run(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    BackgroundJob.objects.filter(pk=job.pk).delete()
    if status != "succeeded" or not job.result.get("ok"):
        errors = [r for r in job.result.get("rows", []) if r.get("errors")][:3]
        raise RuntimeError(f"bench import {status}: {job.result.get('errors') or errors}")
    return elapsed, job.result["counts"]


def measure(user, partner, reps: int = 3, log=print) -> list[dict]:
    """Median seconds of the dry run and of the apply over ``reps`` repetitions."""
    _cleanup()
    raw = make_file()
    changed = raw.replace(b"From the CRM", b"Changed in the CRM")
    dry, apply, update = [], [], []
    for rep in range(reps):
        seconds, counts = _run_job(user, partner, raw, dry_run=True)
        dry.append(seconds)
        seconds, _counts = _run_job(user, partner, raw, dry_run=False)
        apply.append(seconds)
        seconds, _counts = _run_job(user, partner, changed, dry_run=False)
        update.append(seconds)
        _cleanup()
        log(f"  rep {rep + 1}: dry run {dry[-1]:.2f} s {counts}, apply {apply[-1]:.2f} s, "
            f"apply of 1,000 changes {update[-1]:.2f} s")  # fmt: skip
    rows = []
    for label, times in (
        ("dry run", dry),
        ("apply", apply),
        ("apply, every row a change", update),
    ):
        median = statistics.median(times)
        rows.append(
            {
                "scenario": f"CSV import {ROWS:,} rows ({label}, background job)",
                "median_ms": round(median * 1000, 1),
                "p95_ms": round(max(times) * 1000, 1),
                "limit_median_ms": LIMIT_SECONDS * 1000,
                "ratio": round(median / LIMIT_SECONDS, 2),
                "target": "< 5 s",
                "met": median < LIMIT_SECONDS,
                "runs": len(times),
            }
        )
    return rows


def csv_import(results, reps: int, log=print) -> None:
    """The bench runner's scenario: the large partner's first admin imports."""
    from cosell.partners.models import Membership

    from .common import LARGE_PARTNER_ID

    membership = (
        Membership.objects.select_related("user", "partner")
        .filter(partner_id=LARGE_PARTNER_ID, role=Membership.Role.ADMIN)
        .order_by("pk")
        .first()
    )
    log(f"\nCSV import of {ROWS:,} rows as a background job (dry run, then apply)")
    for row in measure(membership.user, membership.partner, reps, log):
        results.rows.append(row)
        log(f"  -> {row['scenario']}: median {row['median_ms']} ms (target < 5 s)")


def main() -> None:
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cosell.settings")
    import django

    django.setup()
    from cosell.partners.models import Membership

    membership = (
        Membership.objects.select_related("user", "partner")
        .filter(role=Membership.Role.ADMIN)
        .order_by("pk")
        .first()
    )
    for row in measure(membership.user, membership.partner, int(os.environ.get("REPS", 3))):
        print(row)


if __name__ == "__main__":
    main()
