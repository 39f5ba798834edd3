"""Garbage in, a clear answer out: every browser form and list page under bad input.

Each POST view gets an empty body, wrong types, impossible dates, unknown choices, names too
long, ids that do not exist, NUL bytes and binary blobs for files. The answer is never a 500,
and whenever the answer is a refusal (4xx, or a redirect with an error message) nothing of the
data changed.
"""

import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.test_tenancy_matrix import snapshot
from tests.test_tenancy_matrix import world as world  # the fixture

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "abc",
    "2026-13-45",
    "nope",
    "x" * 300,
    "-1",
    "999999999999999999999",
    "1e400",
    "NaN",
    "a\x00b",
    " ",
]
BLOBS = [
    b"",
    bytes(range(256)) * 8,
    b"\xff\xfe\x00n\x00a\x00m\x00e\x00\n",
    b"name,email\n\x00\x00\x00,\x00@\x00\n",
    b'"unterminated,quote\n' * 3,
]


def payloads(fields: list[str], files: list[str] = ()):
    yield {}
    for value in BAD_VALUES:
        yield dict.fromkeys(fields, value)
    for value in ("abc", "999999999999999999999", "a\x00b"):
        yield {field: [value, value] for field in fields}
    for blob in BLOBS:
        for file_field in files:
            yield {
                **dict.fromkeys(fields, "nope"),
                file_field: SimpleUploadedFile("blob.csv", blob, "text/csv"),
            }
            yield {file_field: SimpleUploadedFile("x" * 300 + ".pdf", blob, "application/pdf")}


def _errors_flashed(response) -> bool:
    storage = getattr(response.wsgi_request, "_messages", None)
    return any(m.level >= message_levels.ERROR for m in (storage or []))


def _check(client, url, data, *, failures, headers=None):
    before = snapshot()
    try:
        response = client.post(url, data, headers=headers or {})
    except Exception as exc:  # a 500 in the test client raises
        failures.append(f"POST {url} {_short(data)}: raised {exc!r}")
        return
    if response.status_code >= 500:
        failures.append(f"POST {url} {_short(data)}: {response.status_code}")
        return
    if (response.status_code >= 400 or _errors_flashed(response)) and snapshot() != before:
        failures.append(f"POST {url} {_short(data)}: refused but data changed")


def _short(data) -> str:
    return repr({k: (v[:20] if isinstance(v, str) else "…") for k, v in data.items()})[:200]


OPPORTUNITY_FIELDS = [
    "category",
    "name",
    "customer_name",
    "customer_country",
    "customer_size",
    "contact_email",
    "value",
    "currency",
    "close_date",
    "help_needed",
    "assessment_type",
    "purchase_intent",
    "offers",
    "invite_partners",
    "confirm_duplicate",
]
OFFER_FIELDS = [
    "name",
    "offer_type",
    "listing_state",
    "solution_type",
    "solution_areas",
    "transactable",
    "has_paid_plan",
]


def partner_forms(w):
    """(url, fields, file fields, htmx) as the owning partner admin."""
    offer = w["offer"].pk
    private, co_sell = w["opportunities"][0].pk, w["opportunities"][1].pk
    incoming = next(
        lead for lead in w["leads"] if lead.opportunity_id == w["incoming_opportunity"].pk
    )
    membership = w["membership"].pk
    endpoint = w["endpoint"].pk
    return [
        (reverse("offers:create"), OFFER_FIELDS, [], False),
        (reverse("offers:edit", args=[offer]), OFFER_FIELDS, [], False),
        (reverse("offers:document_upload", args=[offer]), ["kind"], ["file"], False),
        (
            reverse("offers:contact_add", args=[offer]),
            ["name", "email", "role", "countries"],
            [],
            False,
        ),
        (reverse("offers:contacts_import", args=[offer]), [], ["file"], False),
        (reverse("opportunities:opportunity_create"), OPPORTUNITY_FIELDS, [], False),
        (reverse("opportunities:opportunity_edit", args=[private]), OPPORTUNITY_FIELDS, [], False),
        (reverse("opportunities:opportunity_invite", args=[co_sell]), ["partner"], [], False),
        (
            reverse("opportunities:opportunity_upgrade", args=[private]),
            ["category", "partners", "assessment_type"],
            [],
            False,
        ),
        (
            reverse("opportunities:opportunity_close", args=[private]),
            ["outcome", "reason", "notes"],
            [],
            False,
        ),
        (reverse("opportunities:opportunity_stage", args=[private]), ["stage"], [], False),
        (reverse("opportunities:opportunity_stage", args=[private]), ["stage"], [], True),
        (
            reverse("opportunities:lead_accept", args=[incoming.pk]),
            ["value", "currency", "close_date", "notes"],
            [],
            False,
        ),
        (
            reverse("opportunities:lead_accept", args=[incoming.pk]),
            ["value", "currency", "close_date", "notes"],
            [],
            True,
        ),
        (reverse("opportunities:lead_decline", args=[incoming.pk]), ["reason", "notes"], [], False),
        (
            reverse("opportunities:lead_decline", args=[incoming.pk]),
            [f"decline-{incoming.pk}-reason", f"decline-{incoming.pk}-notes"],
            [],
            True,
        ),
        (reverse("opportunities:opportunities_import"), [], ["file"], False),
        (reverse("opportunities:opportunities_import_apply"), ["token"], [], False),
        (reverse("member_invite"), ["email", "first_name", "last_name", "role"], [], False),
        (reverse("member_set_role", args=[membership]), ["role"], [], False),
        (reverse("webhooks:create"), ["url", "events", "is_active"], [], False),
        (reverse("webhooks:update", args=[endpoint]), ["events", "is_active"], [], False),
        (reverse("api_tokens"), ["name"], [], False),
        (reverse("set_language"), ["language", "next"], [], False),
    ]


def test_partner_forms_never_answer_500(world, partner_admin, client_for):
    client = client_for(partner_admin)
    failures = []
    for url, fields, files, htmx in partner_forms(world):
        headers = {"HX-Request": "true"} if htmx else None
        for data in payloads(fields, files):
            _check(client, url, data, failures=failures, headers=headers)
    assert not failures, "\n".join(failures)


MISSING = 2_000_000_000
HUGE = 99_999_999_999_999_999_999


@pytest.mark.parametrize("missing", [MISSING, HUGE])
def test_ids_that_do_not_exist_are_404(world, partner_admin, client_for, missing):
    client = client_for(partner_admin)
    offer, endpoint = world["offer"].pk, world["endpoint"].pk
    urls = [
        reverse("offers:detail", args=[missing]),
        reverse("offers:edit", args=[missing]),
        reverse("offers:document_download", args=[offer, missing]),
        reverse("offers:document_delete", args=[offer, missing]),
        reverse("offers:contact_delete", args=[offer, missing]),
        reverse("opportunities:opportunity_detail", args=[missing]),
        reverse("opportunities:opportunity_close", args=[missing]),
        reverse("opportunities:lead_detail", args=[missing]),
        reverse("opportunities:lead_accept", args=[missing]),
        reverse("opportunities:lead_withdraw", args=[missing]),
        reverse("api_token_revoke", args=[missing]),
        reverse("webhooks:delete", args=[missing]),
        reverse("webhooks:resend", args=[endpoint, missing]),
        reverse("member_remove", args=[missing]),
        reverse("member_set_role", args=[missing]),
        reverse("api-offer-detail", args=[missing]),
        reverse("api-opportunity-detail", args=[missing]),
        reverse("api-lead-detail", args=[missing]),
        reverse("api-webhook", args=[missing]),
    ]
    before = snapshot()
    wrong = []
    for url in urls:
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (404, 405):
                wrong.append(f"{method.upper()} {url}: {status}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before


def test_seller_forms_never_answer_500(world, client_for):
    seller = world["us_seller"].user
    client = client_for(seller)
    lead = world["routed_lead"].pk
    failures = []
    forms = [
        (
            reverse("opportunities:lead_send"),
            [
                "offer",
                "title",
                "customer_name",
                "customer_country",
                "contact_email",
                "value",
                "currency",
                "close_date",
            ],
        ),
        (reverse("opportunities:lead_accept", args=[lead]), ["value", "currency", "close_date"]),
        (reverse("opportunities:lead_decline", args=[lead]), ["reason", "notes"]),
    ]
    for url, fields in forms:
        for data in payloads(fields):
            _check(client, url, data, failures=failures)
    assert not failures, "\n".join(failures)


def test_staff_technical_validation_never_answers_500(world, admin_user, client_for):
    client = client_for(admin_user)
    failures = []
    url = reverse("offers:technical_validation", args=[world["offer"].pk])
    for data in payloads(["technical_validation"]):
        _check(client, url, data, failures=failures)
    assert not failures, "\n".join(failures)


BAD_QUERIES = [
    "page=abc",
    "page=999999",
    "page=-1",
    "page=99999999999999999999999",
    "sort=evil",
    "sort=-",
    "sort=--name",
    "status=nope",
    "type=nope",
    "page_size=-1",
    "page_size=abc",
    "page_size=100000",
    "q=%00",
    "q=" + "x" * 3000,
    "category=nope&stage=nope&customer_country=nope",
    "value_min=abc&close_after=2026-13-45&created_after=abc",
    "direction=evil",
    "cursor=evil",
    "cursor=",
    "ordering=evil",
]
LISTS = [
    ("partner_admin", "offers:list", []),
    ("partner_admin", "opportunities:pipeline", []),
    ("partner_admin", "opportunities:opportunities_export", []),
    ("partner_admin", "opportunities:lead_inbox", []),
    ("partner_admin", "opportunities:leads_export", []),
    ("partner_admin", "opportunities:dashboard", []),
    ("partner_admin", "members", []),
    ("partner_admin", "webhooks:list", []),
    ("partner_admin", "webhooks:detail", ["endpoint"]),
    ("partner_admin", "api_tokens", []),
    ("partner_admin", "home", []),
    ("partner_admin", "api-offer-list", []),
    ("partner_admin", "api-opportunity-list", []),
    ("partner_admin", "api-opportunity-export", []),
    ("partner_admin", "api-lead-list", []),
    ("partner_admin", "api-lead-export", []),
    ("partner_admin", "api-webhooks", []),
    ("partner_admin", "api-webhook-deliveries", ["endpoint"]),
    ("partner_admin", "api-offer-contact-list", ["offer"]),
    ("partner_admin", "api-offer-document-list", ["offer"]),
    ("seller", "opportunities:lead_queue", []),
    ("seller", "opportunities:lead_inbox", []),
    ("seller", "offers:list", []),
    ("seller", "home", []),
    ("staff", "opportunities:admin_dashboard", []),
    ("staff", "offers:list", []),
    ("staff", "opportunities:pipeline", []),
]


def test_list_pages_survive_bad_query_strings(world, partner_admin, admin_user, client_for):
    clients = {
        "partner_admin": client_for(partner_admin),
        "seller": client_for(world["us_seller"].user),
        "staff": client_for(admin_user),
    }
    failures = []
    for persona, name, args in LISTS:
        url = reverse(name, args=[world[a].pk for a in args])
        for query in BAD_QUERIES:
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                try:
                    status = clients[persona].get(f"{url}?{query}", headers=headers).status_code
                except Exception as exc:
                    failures.append(f"{persona} GET {url}?{query[:60]}: raised {exc!r}")
                    continue
                if status >= 500:
                    failures.append(f"{persona} GET {url}?{query[:60]}: {status}")
    assert not failures, "\n".join(failures)
