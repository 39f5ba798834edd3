"""CSV export (pipeline, leads) and import (opportunities): BOM, formulas defused, caps, dry
run, all or nothing, tenancy, errors by line and field, never a 500."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core import background, clock, csv_files
from cosell.core.models import AuditEvent
from cosell.webhooks.models import OutboxEvent
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from tests.opportunities.conftest import make_opportunity as _make_opportunity
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
COMPARED = [
    "crm_id",
    "name",
    "category",
    "stage",
    "customer_name",
    "customer_address",
    "customer_country",
    "contact_consent",
    "contact_name",
    "contact_email",
    "value",
    "currency",
    "close_date",
    "notes",
    "help_needed",
    "solutions",
]


def make_opportunity(*args, **kwargs):
    return _make_opportunity(*args, now=clock.now(), **kwargs)


def read(response) -> list[dict]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def upload(content: str | bytes, name="deals.csv"):
    raw = content.encode("utf-8-sig") if isinstance(content, str) else content
    return SimpleUploadedFile(name, raw, content_type="text/csv")


def api_import(client, content, dry_run: bool):
    """Start the import: 202 with the job's address; the worker runs it; the job's resource
    then carries the report. Returns the job's JSON (or the 400/403 response)."""
    response = client.post(
        f"/api/v1/opportunities/import/?dry_run={'true' if dry_run else 'false'}",
        {"file": upload(content)},
    )
    if response.status_code != 202:
        return response
    assert response["Location"].endswith(f"/api/v1/jobs/{response.json()['id']}/")
    assert response.json()["status"] == "queued"
    background.run(response.json()["id"])
    job = client.get(response["Location"])
    assert job.status_code == 200
    return job.json()


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    fieldnames = list(dict.fromkeys(key for r in rows for key in r))
    writer = csv.DictWriter(out, fieldnames=fieldnames)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def row(**kw):
    return {
        "crm_id": "",
        "name": "数据平台",
        "category": "private",
        "customer_name": "北风贸易",
        "customer_country": "CN",
        "value": "1000.00",
        "currency": "CNY",
        "solutions": "microsoft:Azure",
        **kw,
    }


@pytest.fixture
def chinese_deals(partner, partner_admin):
    make_opportunity(
        partner,
        partner_admin,
        name="华东区数据平台",
        customer_name="上海北风贸易有限公司",
        customer_address="上海市浦东新区世纪大道100号",
        crm_id="CRM-001",
        notes='=HYPERLINK("http://evil.example")\n第二行',
        contact_consent=True,
        contact_name="王小明",
        contact_email="wang@northwind.example",
        close_date="2026-06-30",
        help_needed=["proof_of_concept", "quotes_licensing"],
    )
    make_opportunity(
        partner,
        partner_admin,
        name="@SUM(A1:A2) 分析",
        customer_name="+86 客户",
        crm_id="-CRM-002",
        customer_country="CN",
        solutions=[{"kind": "third_party", "name": "Contoso 分析"}],
    )


def test_export_has_a_bom_chinese_text_and_defused_formulas(
    client_for, partner_admin, chinese_deals
):
    response = client_for(partner_admin).get("/api/v1/opportunities/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = {r["crm_id"]: r for r in read(response)}
    first = rows["CRM-001"]
    assert first["customer_name"] == "上海北风贸易有限公司"
    assert first["notes"].startswith("'=HYPERLINK")
    assert first["help_needed"] == "proof_of_concept; quotes_licensing"
    second = rows["'-CRM-002"]
    assert second["name"] == "'@SUM(A1:A2) 分析"
    assert second["customer_name"] == "'+86 客户"
    assert csv_files.neutralise("\tx") == "'\tx" and csv_files.neutralise("\rx") == "'\rx"
    assert csv_files.neutralise("a=b") == "a=b"


def test_export_applies_the_list_filters(client_for, partner, partner_admin, chinese_deals):
    make_opportunity(partner, partner_admin, name="Closed one", customer_name="Other")
    Opportunity.objects.filter(name="Closed one").update(status="lost")
    client = client_for(partner_admin)
    names = {r["name"] for r in read(client.get("/api/v1/opportunities/export/?status=lost"))}
    assert names == {"Closed one"}
    page = client.get("/pipeline/export.csv?search=华东")
    assert [r["name"] for r in read(page)] == ["华东区数据平台"]
    assert client.get("/api/v1/opportunities/export/?status=nope").status_code == 400


def test_round_trip_with_chinese_text(
    client_for, partner_admin, other_partner, other_partner_admin, chinese_deals
):
    exported = b"".join(
        client_for(partner_admin).get("/api/v1/opportunities/export/").streaming_content
    )
    before = read_rows(exported)
    # Another partner imports the file into its own pipeline: every row is a create there.
    client = client_for(other_partner_admin)
    dry = api_import(client, exported, dry_run=True)
    assert dry["status"] == "succeeded", dry["result"]["rows"]
    assert dry["result"]["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert not Opportunity.objects.filter(partner=other_partner).exists()
    applied = api_import(client, exported, dry_run=False)
    assert applied["result"]["applied"] is True
    after = read_rows(b"".join(client.get("/api/v1/opportunities/export/").streaming_content))
    assert sorted(before, key=str) == sorted(after, key=str)
    # Importing the same file again: matched by CRM id, nothing to change.
    again = api_import(client, exported, dry_run=False)["result"]
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 2, "error": 0}


def read_rows(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    return [{k: r[k] for k in COMPARED} for r in rows]


def test_export_stops_at_5000_rows(client_for, partner, partner_admin):
    now = clock.now()
    Opportunity.objects.bulk_create(
        OpportunityFactory.build(partner=partner, created_at=now, updated_at=now)
        for _ in range(csv_files.EXPORT_LIMIT + 1)
    )
    response = client_for(partner_admin).get("/api/v1/opportunities/export/")
    assert len(read(response)) == csv_files.EXPORT_LIMIT == 5000


def test_dry_run_writes_nothing(client_for, partner, partner_admin):
    counts = (Opportunity.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count())
    job = api_import(
        client_for(partner_admin), csv_text([row(), row(name="二", customer_name="南风")]), True
    )
    assert job["status"] == "succeeded"
    assert job["result"]["counts"]["create"] == 2 and job["result"]["applied"] is False
    assert counts == (
        Opportunity.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_apply_is_all_or_nothing_and_names_line_and_field(client_for, partner, partner_admin):
    rows = [
        row(crm_id="A"),
        row(crm_id="B", category="nope"),
        row(crm_id="C", value="abc", close_date="tomorrow"),
        row(crm_id="D", solutions=""),
        row(crm_id="E", contact_name="张三"),
    ]
    body = api_import(client_for(partner_admin), csv_text(rows), dry_run=False)["result"]
    assert body["applied"] is False and body["ok"] is False
    by_line = {r["line"]: r for r in body["rows"]}
    assert by_line[2]["outcome"] == "create"
    assert "category" in by_line[3]["errors"]
    assert {"value", "close_date"} <= set(by_line[4]["errors"])
    assert "solutions" in by_line[5]["errors"]
    assert "contact_consent" in by_line[6]["errors"]
    assert not Opportunity.objects.filter(partner=partner).exists()
    assert not OutboxEvent.objects.exists()


def test_update_by_crm_id_touches_only_your_own(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    mine = make_opportunity(partner, partner_admin, crm_id="X-1", name="Mine")
    theirs = make_opportunity(other_partner, other_partner_admin, crm_id="X-1", name="Theirs")
    rows = [row(crm_id="X-1", name="Renamed", stage="qualified")]
    body = api_import(client_for(partner_admin), csv_text(rows), dry_run=False)["result"]
    assert body["rows"][0]["outcome"] == "update"
    assert body["rows"][0]["opportunity_id"] == mine.pk
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert (mine.name, mine.stage) == ("Renamed", "qualified")
    assert theirs.name == "Theirs" and theirs.version == 1


def test_export_shows_only_what_you_may_see(
    client_for, partner, partner_admin, other_partner, other_partner_admin, seller
):
    make_opportunity(
        partner, partner_admin, name="Private one", customer_name="Elsewhere", notes="secret"
    )
    shared = make_opportunity(
        partner,
        partner_admin,
        name="Shared one",
        category=Category.P2P,
        notes="owner notes",
        crm_id="OWN-1",
        invite_partner_ids=[other_partner.pk],
    )
    from opportunities.leads import services

    services.lead_accept(lead_id=shared.leads.get().pk, actor=other_partner_admin, now=clock.now())
    rows = read(client_for(other_partner_admin).get("/api/v1/opportunities/export/"))
    assert [r["name"] for r in rows] == ["Shared one"]
    assert rows[0]["notes"] == "" and rows[0]["crm_id"] == ""
    assert read(client_for(seller).get("/api/v1/opportunities/export/")) == []
    leads = read(client_for(other_partner_admin).get("/leads/export.csv?direction=incoming"))
    assert [r["status"] for r in leads] == ["accepted"]
    assert client_for(partner_admin).get("/leads/export.csv?status=declined").status_code == 200


def test_only_partner_admins_import(client_for, partner_user, seller, admin_user):
    for user in (partner_user, seller, admin_user):
        response = api_import(client_for(user), csv_text([row()]), dry_run=True)
        assert response.status_code == 403, user
        assert client_for(user).get("/opportunities/import/").status_code == 403


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"name,customer_name\n",
        b"foo,bar\n1,2\n",
        b"\x00\x01\x02",
    ],
)
def test_bad_files_answer_400_never_500(client_for, partner_admin, content):
    client = client_for(partner_admin)
    response = api_import(client, content, dry_run=False)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["file"]
    page = client.post("/opportunities/import/", {"file": upload(content)})
    assert page.status_code == 400
    assert not background.BackgroundJob.objects.exists()


def test_bad_rows_fail_in_the_job_by_line_and_field_never_500(client_for, partner_admin):
    content = (
        b"name,customer_name,value,close_date,customer_country,contact_consent,solutions,category\n"
        b"a,b,-1,2026-13-45,ZZ,maybe,offer:abc;weird,p2p\n"
    )
    job = api_import(client_for(partner_admin), content, dry_run=False)
    assert job["status"] == "succeeded" and job["result"]["ok"] is False
    [row] = job["result"]["rows"]
    assert {"value", "close_date", "customer_country", "contact_consent"} <= set(row["errors"])
    assert not Opportunity.objects.exists()


def test_too_many_rows_are_refused(client_for, partner_admin):
    rows = [row(name=f"d{i}") for i in range(csv_files.IMPORT_LIMIT + 1)]
    response = api_import(client_for(partner_admin), csv_text(rows), dry_run=True)
    assert response.status_code == 400
    assert "1000" in response.json()["errors"]["file"][0]


def test_browser_upload_review_apply(client_for, partner, partner_admin):
    client = client_for(partner_admin)
    assert client.get("/opportunities/import/").status_code == 200
    started = client.post("/opportunities/import/", {"file": upload(csv_text([row(crm_id="B1")]))})
    assert started.status_code == 302
    job = background.BackgroundJob.objects.get()
    assert started["Location"] == f"/jobs/{job.pk}/"
    page = client.get(started["Location"])
    assert page.status_code == 200 and b'hx-trigger="every 1s"' in page.content
    background.run(job.pk)
    assert not Opportunity.objects.exists()
    review = client.get(started["Location"])
    assert review.context["result"]["counts"]["create"] == 1 and review.context["can_apply"]
    assert b'hx-trigger="every 1s"' not in review.content
    # Another job id, or one that is not a reviewed dry run, applies nothing.
    assert client.post("/opportunities/import/apply/", {"job": "x"}).status_code == 302
    assert not Opportunity.objects.exists()
    applied = client.post(f"/jobs/{job.pk}/apply/")
    assert applied.status_code == 302
    apply_job = background.BackgroundJob.objects.exclude(pk=job.pk).get()
    assert applied["Location"] == f"/jobs/{apply_job.pk}/"
    assert apply_job.options == {"dry_run": False}
    background.run(apply_job.pk)
    assert Opportunity.objects.get().crm_id == "B1"
    done = client.get(applied["Location"])
    assert done.context["result"]["applied"] is True and not done.context["can_apply"]
    # Applying the apply job does nothing more.
    assert client.post(f"/jobs/{apply_job.pk}/apply/").status_code == 302
    assert background.BackgroundJob.objects.count() == 2
    assert Opportunity.objects.count() == 1


def test_apply_re_validates_what_changed_since_the_review(client_for, partner, partner_admin):
    client = client_for(partner_admin)
    client.post("/opportunities/import/", {"file": upload(csv_text([row(crm_id="R1")]))})
    review = background.BackgroundJob.objects.get()
    background.run(review.pk)
    review.refresh_from_db()
    assert review.result["counts"]["create"] == 1
    # Meanwhile someone records the same deal: applying now finds the duplicate.
    make_opportunity(partner, partner_admin, name="数据平台", customer_name="北风贸易")
    client.post(f"/jobs/{review.pk}/apply/")
    applied = background.BackgroundJob.objects.exclude(pk=review.pk).get()
    background.run(applied.pk)
    applied.refresh_from_db()
    assert applied.result["counts"]["error"] == 1 and applied.result["applied"] is False
    assert Opportunity.objects.count() == 1


def test_an_applied_import_writes_what_the_services_write(client_for, partner, partner_admin):
    """The set-based apply writes each new deal as ``opportunity_create`` would: the deal, its
    solutions, its owner, the audit events, the webhook event and, shared with Microsoft, its
    lead."""
    from opportunities.deals.models import TeamMember
    from opportunities.leads.models import Lead
    from tests.opportunities.factories import co_sell_ready_offer

    offer = co_sell_ready_offer(partner, name="Contoso Insights", solution_areas=["data_ai"])
    rows = [
        row(crm_id="P-1", stage="qualified", customer_country="CN", help_needed=""),
        row(
            crm_id="M-1",
            name="Co-sell deal",
            category="microsoft",
            customer_name="Woodgrove",
            customer_country="US",
            help_needed="proof_of_concept; general",
            solutions=f"offer:{offer.pk}; microsoft:Azure",
        ),
    ]
    job = api_import(client_for(partner_admin), csv_text(rows), dry_run=False)
    assert job["result"]["applied"] is True, job["result"]
    private = Opportunity.objects.get(crm_id="P-1")
    assert (private.category, private.stage, private.customer_country.code) == (
        "private",
        "qualified",
        "CN",
    )
    assert private.value == 1000 and private.currency == "CNY" and private.version == 1
    assert [str(s) for s in private.solutions.all()] == ["Azure"]
    co_sell = Opportunity.objects.get(crm_id="M-1")
    assert (co_sell.category, co_sell.deal_type) == ("microsoft", "co_sell")
    assert co_sell.help_needed == ["proof_of_concept", "general"]
    assert [s.offer_id for s in co_sell.solutions.all()] == [offer.pk, None]
    assert TeamMember.objects.get(opportunity=co_sell).user == partner_admin
    [lead] = Lead.objects.filter(opportunity=co_sell)
    assert (lead.receiver, lead.needs_answer) == ("microsoft", True)
    verbs = sorted(
        AuditEvent.objects.filter(
            subject_type__model="opportunity", subject_id=str(private.pk)
        ).values_list("verb", flat=True)
    )
    assert verbs == ["created", "stage_changed"]
    assert set(
        OutboxEvent.objects.filter(
            subject_type="opportunities.opportunity", subject_id=str(co_sell.pk)
        ).values_list("type", flat=True)
    ) == {"opportunity.created"}
    # The new deals' ids come from the table's sequence: the next deal gets a fresh one.
    again = make_opportunity(partner, partner_admin, name="Later", customer_name="Later Inc")
    assert again.pk > co_sell.pk > private.pk


def test_an_applied_update_writes_what_the_update_services_write(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    from opportunities.leads import services

    shared = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        crm_id="U-1",
        name="Before",
        contact_consent=True,
        contact_name="王小明",
        invite_partner_ids=[other_partner.pk],
    )
    services.lead_accept(lead_id=shared.leads.get().pk, actor=other_partner_admin, now=clock.now())
    shared.refresh_from_db()
    version = shared.version
    OutboxEvent.objects.all().delete()
    rows = [
        row(crm_id="U-1", name="After", stage="qualified", contact_consent="false", category="p2p")
    ]
    job = api_import(client_for(partner_admin), csv_text(rows), dry_run=False)
    assert job["result"]["counts"]["update"] == 1, job["result"]
    shared.refresh_from_db()
    assert (shared.name, shared.stage, shared.contact_consent, shared.contact_name) == (
        "After",
        "qualified",
        False,
        "",
    )
    assert shared.version == version + 2  # the fields, then the stage, as the two services
    verbs = list(
        AuditEvent.objects.filter(subject_type__model="opportunity", subject_id=str(shared.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs[-2:] == ["updated", "stage_changed"]
    updated = AuditEvent.objects.filter(verb="updated", subject_id=str(shared.pk)).last()
    assert "name" in updated.extra["fields"] and "contact_name" in updated.extra["fields"]
    events = {e.partner_id: e.data for e in OutboxEvent.objects.filter(type="opportunity.updated")}
    assert set(events) == {partner.pk, other_partner.pk}
    assert "stage" in events[partner.pk]["changed"] and events[other_partner.pk]["name"] == "After"
    assert "crm_id" not in events[other_partner.pk]
