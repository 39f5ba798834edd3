"""Partner Center's bulk CSV, and the round trip of both CSV layouts: a download imported back
unchanged reports 0 changes and 0 errors (closed deals and deals the partner was invited to
included); the upload answers with the same file, its Errors column filled; at most 1,000 rows
up and 5,000 down; consent = No refused; all or nothing; another partner reaches nothing."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core import background, clock
from cosell.core.models import AuditEvent, BackgroundJob
from cosell.webhooks.models import OutboxEvent
from opportunities.deals import services as deal_services
from opportunities.deals.choices import ERROR_REASON_NUMBER, LOST_REASON_NUMBER, Category
from opportunities.deals.models import Opportunity
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from partnercenter.bulk_csv import columns as c
from tests.opportunities.conftest import make_opportunity as _make_opportunity
from tests.opportunities.factories import OpportunityFactory, co_sell_ready_offer

pytestmark = pytest.mark.django_db
PC_EXPORT = "/api/v1/opportunities/export/partner-center.csv"
PC_UPLOAD = "/api/v1/opportunities/import/partner-center/"
PORTAL_EXPORT = "/api/v1/opportunities/export/"
PORTAL_IMPORT = "/api/v1/opportunities/import/"


def make_opportunity(*args, **kwargs):
    return _make_opportunity(*args, now=clock.now(), **kwargs)


def body_of(response) -> bytes:
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return body


def rows_of(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def header_of(body: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def csv_bytes(rows: list[dict], header=None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or c.header())
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def run_upload(client, url, content: bytes, *, dry_run: bool) -> dict:
    response = client.post(
        f"{url}?dry_run={'true' if dry_run else 'false'}",
        {"file": SimpleUploadedFile("deals.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/api/v1/jobs/{response.json()['id']}/")
    background.run(response.json()["id"])
    job = client.get(response["Location"])
    assert job.status_code == 200
    return job.json()


@pytest.fixture
def pipeline(partner, partner_admin, other_partner, other_partner_admin, seller):
    """Deals in every shape: active private, co-sell (a lead to Microsoft), won, lost, closed as
    an error, a P2P deal another partner accepted and one it was invited to, with Chinese text,
    a formula-like name, a contact with consent and one without."""
    now = clock.now()
    co_sell_ready_offer(partner, name="Contoso Insights", solution_areas=["data_ai"])
    deals = {
        "private": make_opportunity(
            partner,
            partner_admin,
            name="=SUM(1) 华东区数据平台",
            customer_name="上海北风贸易有限公司",
            customer_address="上海市浦东新区世纪大道100号",
            crm_id="CRM-1",
            notes="第一行\n第二行",
            contact_consent=True,
            contact_name="王小明",
            contact_email="wang@northwind.example",
            close_date="2026-06-30",
            customer_size="51to500employees",
            purchase_intent="yes",
        ),
        "no_crm": make_opportunity(partner, partner_admin, name="No CRM id", customer_name="A"),
        "co_sell": make_opportunity(
            partner,
            partner_admin,
            category=Category.MICROSOFT,
            name="Co-sell",
            customer_name="B",
            help_needed=["proof_of_concept", "quotes_licensing"],
            contact_consent=True,
            contact_name="John Customer",
            contact_phone="+1 555 0100",
        ),
        "won": make_opportunity(partner, partner_admin, name="Won", customer_name="C"),
        "lost": make_opportunity(partner, partner_admin, name="Lost", customer_name="D"),
        "error": make_opportunity(partner, partner_admin, name="Error", customer_name="E"),
        "p2p": make_opportunity(
            partner,
            partner_admin,
            category=Category.P2P,
            name="Shared",
            customer_name="F",
            crm_id="OWN-SECRET",
            notes="owner notes",
            invite_partner_ids=[other_partner.pk],
        ),
        "invited": make_opportunity(
            other_partner,
            other_partner_admin,
            category=Category.P2P,
            name="Their deal",
            customer_name="G",
            crm_id="THEIRS",
            invite_partner_ids=[partner.pk],
        ),
    }
    deal_services.opportunity_set_stage(
        opportunity_id=deals["private"].pk, stage="qualified", actor=partner_admin, now=now
    )
    deal_services.opportunity_close(
        opportunity_id=deals["won"].pk, outcome="won", actor=partner_admin, now=now
    )
    deal_services.opportunity_close(
        opportunity_id=deals["lost"].pk,
        outcome="lost",
        reason="chose_another_vendor",
        actor=partner_admin,
        now=now,
    )
    deal_services.opportunity_close(
        opportunity_id=deals["error"].pk,
        outcome="error",
        reason="test_referral",
        actor=partner_admin,
        now=now,
    )
    lead_services.lead_accept(
        lead_id=deals["p2p"].leads.get().pk, actor=other_partner_admin, now=clock.now()
    )
    return deals


def snapshot():
    return (
        list(Opportunity.objects.order_by("pk").values()),
        Lead.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("export_url", "import_url"),
    [(PC_EXPORT, PC_UPLOAD), (PORTAL_EXPORT, PORTAL_IMPORT)],
    ids=["partner-center", "portal"],
)
@pytest.mark.parametrize("who", ["partner_admin", "other_partner_admin"])
def test_a_download_imports_back_with_no_change_and_no_error(
    client_for, pipeline, request, export_url, import_url, who
):
    client = client_for(request.getfixturevalue(who))
    exported = body_of(client.get(export_url))
    before = snapshot()
    for dry_run in (True, False):
        job = run_upload(client, import_url, exported, dry_run=dry_run)
        assert job["status"] == "succeeded", job
        counts = job["result"]["counts"]
        assert counts["create"] == counts["update"] == counts["error"] == 0, job["result"]
        assert counts["unchanged"] == len(rows_of(exported)) > 0
    assert snapshot() == before


def test_download_uses_partner_centers_columns_and_values(client_for, partner_admin, pipeline):
    body = body_of(client_for(partner_admin).get(PC_EXPORT))
    header = header_of(body)
    assert header[: len(c.FIXED_COLUMNS)] == c.FIXED_COLUMNS
    assert header[:4] == ["Errors", "Engagement ID", "Referral ID", "Deal Name"]
    assert header[len(c.FIXED_COLUMNS)] == "Solution 1"
    assert "Team member 1" in header and "Microsoft team member 1" in header
    rows = {r["Engagement ID"]: r for r in rows_of(body)}
    private = rows[str(pipeline["private"].pk)]
    assert private["Deal Name"] == "'=SUM(1) 华东区数据平台"
    assert private["Customer Address Line 1"] == "上海市浦东新区世纪大道100号"
    assert private["Customer Country"] == "US"
    assert private["Estimated Close Date"] == "06/30/2026"
    assert private["Sales Stage"] == "20"
    assert (private["Partner Referral Status"], private["Partner Referral Substatus"]) == (
        "Active",
        "Accepted",
    )
    assert private["Consent to share Customer/Partner contact"] == "Yes"
    assert private["Customer Contact First Name"] == "王小明"
    assert private["Marketplace Purchase Intent"] == "Yes"
    assert private["Share with Microsoft sales team"] == "No"
    assert private["Solution 1"] == "microsoft:Azure"
    co_sell = rows[str(pipeline["co_sell"].pk)]
    assert co_sell["Microsoft help required?"] == "Yes"
    assert co_sell["What specific help from Microsoft?"] == "3;4"
    assert co_sell["Share with Microsoft sales team"] == "Yes"
    assert co_sell["Microsoft Referral Status"] == "Pending"
    assert (co_sell["Customer Contact First Name"], co_sell["Customer Contact Last Name"]) == (
        "John",
        "Customer",
    )
    lost = rows[str(pipeline["lost"].pk)]
    assert (lost["Partner Referral Status"], lost["Partner Referral Substatus"]) == (
        "Closed",
        "Lost",
    )
    assert lost["Declined/Lost/Error reason"] == str(LOST_REASON_NUMBER["chose_another_vendor"])
    error = rows[str(pipeline["error"].pk)]
    assert error["Declined/Lost/Error reason"] == str(ERROR_REASON_NUMBER["test_referral"]) == "7"
    assert rows[str(pipeline["won"].pk)]["Sales Stage"] == "100"
    template = body_of(client_for(partner_admin).get("/partner-center/template.csv"))
    assert rows_of(template) == [] and header_of(template)[:3] == c.FIXED_COLUMNS[:3]


def test_invited_partner_sees_only_what_the_policy_lets_it(
    client_for, other_partner_admin, pipeline
):
    rows = rows_of(body_of(client_for(other_partner_admin).get(PC_EXPORT)))
    by_id = {r["Engagement ID"]: r for r in rows}
    shared = by_id[str(pipeline["p2p"].pk)]
    assert shared["CRM ID"] == "" and shared["Notes"] == ""
    assert shared["Referral ID"].startswith("lead-")
    assert str(pipeline["private"].pk) not in by_id


def test_download_applies_the_filters_and_stops_at_5000(client_for, partner, partner_admin):
    now = clock.now()
    Opportunity.objects.bulk_create(
        OpportunityFactory.build(partner=partner, created_at=now, updated_at=now)
        for _ in range(5001)
    )
    make_opportunity(partner, partner_admin, name="Findable", customer_name="Zed")
    client = client_for(partner_admin)
    assert len(rows_of(body_of(client.get(PC_EXPORT)))) == 5000
    found = rows_of(body_of(client.get(PC_EXPORT + "?search=Findable")))
    assert [r["Deal Name"] for r in found] == ["Findable"]
    page = rows_of(body_of(client.get("/partner-center/co-sell-opportunities.csv?search=Findab")))
    assert len(page) == 1
    assert client.get(PC_EXPORT + "?status=nope").status_code == 400


def new_row(**kw) -> dict:
    return {
        c.DEAL_NAME: "UK spring deal",
        c.CUSTOMER_NAME: "Contoso Corporation",
        c.ADDRESS_1: "One Contoso Way",
        c.CITY: "Redmond",
        c.COUNTRY: "US",
        c.STATUS: "New",
        c.SUBSTATUS: "",
        c.VALUE: "12563",
        c.CURRENCY: "USD",
        c.CLOSE_DATE: "1/30/2027",
        c.HELP_REQUIRED: "No",
        c.SHARE: "No",
        c.CONSENT: "Yes",
        c.PURCHASE_INTENT: "Have not decided",
        "Solution 1": "microsoft:Azure, USD, 10, 100",
        **kw,
    }


def test_upload_creates_and_answers_with_the_errors_column_filled(
    client_for, partner, partner_admin
):
    co_sell_ready_offer(partner)
    client = client_for(partner_admin)
    rows = [
        new_row(**{c.CRM_ID: "N-1", c.SALES_STAGE: "40"}),
        new_row(**{c.DEAL_NAME: "", c.CLOSE_DATE: "2027-01-30", c.CRM_ID: "N-2"}),
        new_row(**{c.CONSENT: "No", c.CUSTOMER_NAME: "Other", c.CRM_ID: "N-3"}),
        new_row(**{c.HELP_REQUIRED: "Yes", c.CUSTOMER_NAME: "Third", c.CRM_ID: "N-4"}),
        new_row(**{"Solution 1": "SOL-1234-PQRS", c.CUSTOMER_NAME: "Fourth"}),
    ]
    job = run_upload(client, PC_UPLOAD, csv_bytes(rows), dry_run=True)
    assert job["result"]["counts"] == {"create": 1, "update": 0, "unchanged": 0, "error": 4}
    answer = client.get(job["links"]["file"])
    assert answer.status_code == 200
    answered = rows_of(answer.content)
    assert header_of(answer.content) == c.header()
    assert [r[c.CRM_ID] for r in answered] == ["N-1", "N-2", "N-3", "N-4", ""]
    assert answered[0][c.ERRORS] == ""
    assert (
        "Deal Name:" in answered[1][c.ERRORS] and "Estimated Close Date:" in answered[1][c.ERRORS]
    )
    assert ";" in answered[1][c.ERRORS]
    assert answered[2][c.ERRORS].startswith(c.CONSENT)
    assert c.HELP_WHAT in answered[3][c.ERRORS]
    assert "Solution 1" in answered[4][c.ERRORS]
    assert not Opportunity.objects.exists()
    # Nothing is written while a row fails: all or nothing.
    job = run_upload(client, PC_UPLOAD, csv_bytes(rows), dry_run=False)
    assert job["result"]["applied"] is False and not Opportunity.objects.exists()
    job = run_upload(client, PC_UPLOAD, csv_bytes(rows[:1]), dry_run=False)
    assert job["result"]["applied"] is True
    deal = Opportunity.objects.get()
    assert (deal.name, deal.crm_id, deal.stage, deal.category) == (
        "UK spring deal",
        "N-1",
        "developed",
        "private",
    )
    assert deal.customer_address == "One Contoso Way, Redmond"
    assert str(deal.close_date) == "2027-01-30" and deal.purchase_intent == "undecided"


def test_upload_closes_a_deal_and_refuses_consent_no_on_a_change(
    client_for, partner, partner_admin
):
    deal = make_opportunity(partner, partner_admin, name="To lose", customer_name="H")
    client = client_for(partner_admin)
    [row] = rows_of(body_of(client.get(PC_EXPORT)))
    # Consent = No (as the deal was recorded) refuses any change; Yes lets it through.
    lost = {**row, c.STATUS: "Closed", c.SUBSTATUS: "Lost", c.REASON: "3", c.CONSENT: "Yes"}
    refused = {**row, c.DEAL_NAME: "Renamed", c.CONSENT: "No"}
    job = run_upload(client, PC_UPLOAD, csv_bytes([refused], list(row)), dry_run=False)
    assert job["result"]["counts"]["error"] == 1
    assert c.CONSENT in job["result"]["rows"][0]["errors"]
    job = run_upload(client, PC_UPLOAD, csv_bytes([lost], list(row)), dry_run=False)
    assert job["result"]["counts"] == {"create": 0, "update": 1, "unchanged": 0, "error": 0}
    deal.refresh_from_db()
    assert (deal.status, deal.close_reason) == ("lost", "chose_another_vendor")
    assert deal.contact_consent is True


def test_upload_refuses_more_than_1000_rows_at_once(client_for, partner_admin):
    content = csv_bytes([new_row(**{c.CUSTOMER_NAME: f"C{i}"}) for i in range(1001)])
    response = client_for(partner_admin).post(
        PC_UPLOAD, {"file": SimpleUploadedFile("big.csv", content, content_type="text/csv")}
    )
    assert response.status_code == 400
    assert "1000" in response.json()["errors"]["file"][0]
    assert not BackgroundJob.objects.exists()


def test_another_partner_reaches_nothing_in_either_direction(
    client_for, partner, partner_admin, other_partner_admin, partner_user
):
    mine = make_opportunity(partner, partner_admin, name="Mine", crm_id="M-1")
    body = body_of(client_for(partner_admin).get(PC_EXPORT))
    # Their download does not carry my deal.
    assert rows_of(body_of(client_for(other_partner_admin).get(PC_EXPORT))) == []
    # My file uploaded by them: my Engagement ID is not theirs to update, so the row is a new
    # deal of their own; mine is untouched.
    changed = [{**rows_of(body)[0], c.DEAL_NAME: "Taken over"}]
    job = run_upload(
        client_for(other_partner_admin),
        PC_UPLOAD,
        csv_bytes(changed, header_of(body)),
        dry_run=False,
    )
    assert job["result"]["counts"]["update"] == 0
    mine.refresh_from_db()
    assert (mine.name, mine.version) == ("Mine", 1)
    # A partner user neither uploads nor sees the upload page.
    response = client_for(partner_user).post(
        PC_UPLOAD, {"file": SimpleUploadedFile("x.csv", body, content_type="text/csv")}
    )
    assert response.status_code == 403
    assert client_for(partner_user).get("/partner-center/upload/").status_code == 403


def test_browser_upload_runs_a_dry_run_job(client_for, partner, partner_admin):
    co_sell_ready_offer(partner)
    client = client_for(partner_admin)
    assert client.get("/partner-center/upload/").status_code == 200
    response = client.post(
        "/partner-center/upload/",
        {"file": SimpleUploadedFile("d.csv", csv_bytes([new_row()]), content_type="text/csv")},
    )
    assert response.status_code == 302
    job = BackgroundJob.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/" and job.options == {"dry_run": True}
    background.run(job.pk)
    page = client.get(response["Location"])
    assert page.context["can_apply"] and b"/file/" in page.content
    assert client.get(f"/jobs/{job.pk}/file/").status_code == 200
    pipeline = client.get("/pipeline/")
    for url in (
        "/partner-center/co-sell-opportunities.csv",
        "/partner-center/upload/",
        "/opportunities/import/",
        "/pipeline/export.csv",
    ):
        assert url.encode() in pipeline.content
