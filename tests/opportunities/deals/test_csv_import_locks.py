"""The import's locks, with two real transactions: the dry run takes none (a partner whose row
another transaction holds still gets its report, and creates deals meanwhile), the apply takes
the partner's row (so the duplicate rule holds against deals recorded at the same time)."""

import threading

import pytest
from django.db import connection, transaction

from cosell.core import background, clock
from cosell.core.models import BackgroundJob
from cosell.partners.models import Partner
from opportunities.deals.models import Opportunity

pytestmark = pytest.mark.django_db(transaction=True)
CSV = (
    b"name,customer_name,category,customer_country,solutions\n"
    b"Data platform,Northwind,private,US,microsoft:Azure\n"
)


def job(partner_admin, partner, dry_run: bool) -> BackgroundJob:
    return BackgroundJob.objects.create(
        kind="opportunities.import",
        user=partner_admin,
        partner_id=partner.pk,
        content=CSV,
        options={"dry_run": dry_run},
        created_at=clock.now(),
    )


def hold_partner_lock(partner_id, locked: threading.Event, release: threading.Event):
    def run():
        try:
            with transaction.atomic():
                Partner.objects.select_for_update().get(pk=partner_id)
                locked.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_the_dry_run_takes_no_lock_and_the_apply_waits_for_the_partner(partner, partner_admin):
    dry, apply = job(partner_admin, partner, True), job(partner_admin, partner, False)
    locked, release = threading.Event(), threading.Event()
    holder = hold_partner_lock(partner.pk, locked, release)
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        # Another transaction holds the partner's row: the dry run still reports.
        assert background.run(dry.pk) == "succeeded"
        dry.refresh_from_db()
        assert dry.result["counts"]["create"] == 1 and dry.result["dry_run"] is True
        # The apply needs that row: it waits, here past the lock timeout, and writes nothing.
        assert background.run(apply.pk) == "failed"
        assert not Opportunity.objects.exists()
    finally:
        release.set()
        holder.join(timeout=20)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    # Released: applying again goes through (queued, and run by the eager "worker" at commit).
    again = background.background_job_rerun(
        job=dry, user=partner_admin, now=clock.now(), dry_run=False
    )
    again.refresh_from_db()
    assert again.status == BackgroundJob.Status.SUCCEEDED
    assert Opportunity.objects.count() == 1
