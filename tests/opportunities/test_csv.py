"""CSV export (pipeline, leads) and import (opportunities): BOM, formulas defused, caps, dry
run, all or nothing, tenancy, errors by line and field, never a 500."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core import clock
from cosell.core.models import AuditEvent
from cosell.webhooks.models import OutboxEvent
from opportunities import csv_io
from opportunities.models import Category, Opportunity
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
    return client.post(
        f"/api/v1/opportunities/import/?dry_run={'true' if dry_run else 'false'}",
        {"file": upload(content)},
    )


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
    assert csv_io.neutralise("\tx") == "'\tx" and csv_io.neutralise("\rx") == "'\rx"
    assert csv_io.neutralise("a=b") == "a=b"


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
    assert dry.status_code == 200, dry.json()["rows"]
    assert dry.json()["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert not Opportunity.objects.filter(partner=other_partner).exists()
    applied = api_import(client, exported, dry_run=False)
    assert applied.status_code == 200 and applied.json()["applied"] is True
    after = read_rows(b"".join(client.get("/api/v1/opportunities/export/").streaming_content))
    assert sorted(before, key=str) == sorted(after, key=str)
    # Importing the same file again: matched by CRM id, nothing to change.
    again = api_import(client, exported, dry_run=False).json()
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 2, "error": 0}


def read_rows(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    return [{k: r[k] for k in COMPARED} for r in rows]


def test_export_stops_at_5000_rows(client_for, partner, partner_admin):
    now = clock.now()
    Opportunity.objects.bulk_create(
        OpportunityFactory.build(partner=partner, created_at=now, updated_at=now)
        for _ in range(csv_io.EXPORT_LIMIT + 1)
    )
    response = client_for(partner_admin).get("/api/v1/opportunities/export/")
    assert len(read(response)) == csv_io.EXPORT_LIMIT == 5000


def test_dry_run_writes_nothing(client_for, partner, partner_admin):
    counts = (Opportunity.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count())
    response = api_import(
        client_for(partner_admin), csv_text([row(), row(name="二", customer_name="南风")]), True
    )
    assert response.status_code == 200
    assert response.json()["counts"]["create"] == 2 and response.json()["applied"] is False
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
    response = api_import(client_for(partner_admin), csv_text(rows), dry_run=False)
    assert response.status_code == 400
    body = response.json()
    assert body["applied"] is False and body["code"] == "invalid"
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
    body = api_import(client_for(partner_admin), csv_text(rows), dry_run=False).json()
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
    from opportunities import services

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
        b'name,customer_name\n"unclosed,x\n',
        b"\x00\x01\x02",
        b"name,customer_name,value,close_date,customer_country,contact_consent,solutions,category\n"
        b"a,b,-1,2026-13-45,ZZ,maybe,offer:abc;weird,p2p\n",
    ],
)
def test_bad_files_answer_400_never_500(client_for, partner_admin, content):
    client = client_for(partner_admin)
    response = api_import(client, content, dry_run=False)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body.get("errors") or [r for r in body["rows"] if r["errors"]]
    page = client.post("/opportunities/import/", {"file": upload(content)})
    assert page.status_code in (200, 400)


def test_too_many_rows_are_refused(client_for, partner_admin):
    rows = [row(name=f"d{i}") for i in range(csv_io.IMPORT_LIMIT + 1)]
    response = api_import(client_for(partner_admin), csv_text(rows), dry_run=True)
    assert response.status_code == 400
    assert "1000" in response.json()["errors"]["file"][0]


def test_browser_upload_review_apply(client_for, partner, partner_admin):
    client = client_for(partner_admin)
    assert client.get("/opportunities/import/").status_code == 200
    review = client.post("/opportunities/import/", {"file": upload(csv_text([row(crm_id="B1")]))})
    assert review.status_code == 200
    assert not Opportunity.objects.exists()
    token = review.context["token"]
    # A forged token, or another session's, applies nothing.
    assert client.post("/opportunities/import/apply/", {"token": "x"}).status_code == 302
    assert not Opportunity.objects.exists()
    done = client.post("/opportunities/import/apply/", {"token": token})
    assert done.status_code == 302 and done["Location"].endswith("/pipeline/")
    assert Opportunity.objects.get().crm_id == "B1"
    # The token is spent.
    assert client.post("/opportunities/import/apply/", {"token": token}).status_code == 302
    assert Opportunity.objects.count() == 1


def test_apply_re_validates_what_changed_since_the_review(client_for, partner, partner_admin):
    client = client_for(partner_admin)
    review = client.post("/opportunities/import/", {"file": upload(csv_text([row(crm_id="R1")]))})
    assert review.context["report"].counts()["create"] == 1
    # Meanwhile someone records the same deal: applying now finds the duplicate.
    make_opportunity(partner, partner_admin, name="数据平台", customer_name="北风贸易")
    again = client.post("/opportunities/import/apply/", {"token": review.context["token"]})
    assert again.status_code == 400
    assert again.context["report"].counts()["error"] == 1
    assert Opportunity.objects.count() == 1
