"""A Partner Center upload in the browser: the job's page shows its progress by polling (htmx,
under the CSP), then the dry run's report; Apply runs a second job that writes the deal."""

import re

import pytest

from cosell.core import background, effects
from cosell.core.models import BackgroundJob
from opportunities.deals.models import Opportunity
from partnercenter.bulk_csv import columns as c

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROW = {
    c.DEAL_NAME: "UK spring deal",
    c.CUSTOMER_NAME: "Contoso Corporation",
    c.CITY: "Redmond",
    c.COUNTRY: "GB",
    c.HELP_REQUIRED: "No",
    c.SHARE: "No",
    c.CONSENT: "Yes",
    "Solution 1": "microsoft:Azure",
}


def _file() -> bytes:
    header = c.header()
    return (",".join(header) + "\n" + ",".join(ROW.get(h, "") for h in header) + "\n").encode()


def test_upload_shows_progress_then_the_report_and_applies(
    pages, partner_admin, password, monkeypatch
):
    # No worker in this test: the job waits (as with the broker down) until the test runs it.
    monkeypatch.setattr(effects, "publish", lambda task, *args, **kwargs: False)
    ada = pages()
    ada.login("ada", password)
    ada.visit("/pipeline/", "pipeline-csv-buttons")
    ada.page.get_by_role("link", name="Upload (Partner Center CSV)").click()
    ada.page.wait_for_load_state("networkidle")
    ada.check_accessibility()
    ada.page.set_input_files(
        "#id_file", files=[{"name": "deals.csv", "mimeType": "text/csv", "buffer": _file()}]
    )
    with ada.page.expect_navigation():
        ada.page.get_by_role("button", name="Review").click()
    job = BackgroundJob.objects.get()
    assert ada.page.url.endswith(f"/jobs/{job.pk}/")
    assert ada.page.locator("#job-progress progress").is_visible()
    ada.page.get_by_text("Waiting for the worker").wait_for()
    ada.check_accessibility()
    ada.shot("job-queued")
    assert background.run(job.pk) == "succeeded"
    # The page polls, sees the job done and reloads with the report.
    ada.page.get_by_text("1 to create, 0 to update").wait_for(timeout=15000)
    ada.check_accessibility()
    ada.shot("dry-run-report")
    assert not Opportunity.objects.exists()
    assert ada.page.get_by_role("link", name=re.compile("Errors column")).is_visible()
    with ada.page.expect_navigation():
        ada.page.get_by_role("button", name="Apply the import").click()
    applied = BackgroundJob.objects.exclude(pk=job.pk).get()
    assert background.run(applied.pk) == "succeeded"
    ada.page.get_by_text("The import is applied.").wait_for(timeout=15000)
    ada.shot("applied")
    deal = Opportunity.objects.get()
    assert (deal.name, deal.customer_address, deal.category) == (
        "UK spring deal",
        "Redmond",
        "private",
    )
