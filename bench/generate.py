"""Load the benchmark's data set into its own PostgreSQL database.

    .venv/bin/python -m bench.generate --size small|default [--force]

Creates ``cosell_bench_<size>`` (server from DATABASE_URL, else postgres@127.0.0.1:5432), runs the
migrations on it, then fills it server-side with ``INSERT ... SELECT FROM generate_series``: no
row crosses the wire. Column names come from the models' ``_meta``, and every NOT NULL column the
generator does not set gets the field's default (or '' for blank text), so small model changes
do not break it. The offers' co-sell status is settled with the product's own status engine, so
the nightly re-evaluation finds the data as a real night would. A marker table records the size
and a fingerprint of the schema; an up-to-date database is left alone unless ``--force``.
"""

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import psycopg
from psycopg import sql

from . import common
from .common import BADGE_RUN_DUE, BADGE_RUN_NEXT, LARGE_PARTNER_ID, MARKER_TABLE, NOW, Size

COUNTRIES = [
    "US", "GB", "DE", "FR", "CN", "JP", "IN", "BR", "CA", "AU",
    "NL", "SE", "ES", "IT", "SG", "KR", "MX", "ZA", "CH", "PL",
]  # fmt: skip
SOLUTION_AREAS = [
    "data_ai",
    "infrastructure",
    "digital_app_innovation",
    "business_applications",
    "modern_work",
    "security",
]
OFFER_TYPES = [
    ("azure_application", "ip"),
    ("azure_container", "ip"),
    ("azure_virtual_machine", "ip"),
    ("iot_edge_module", "device"),
    ("saas", "ip"),
    ("saas", "ip"),
    ("dynamics_365_ce_power_apps", "ip"),
    ("dynamics_365_operations", "ip"),
    ("dynamics_365_business_central", "ip"),
    ("consulting_service", "service"),
    ("managed_service", "managed_service"),
    ("power_bi_app", "ip"),
]


def log(message: str) -> None:
    print(message, flush=True)


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def h(expr: str, salt: int, modulo: int = 1000) -> str:
    """A deterministic pseudo-random number in [0, modulo) from an integer expression."""
    return f"((hashint8(({expr})::bigint * 16 + {salt}) & 2147483647) % {modulo})"


def pick(values: list[str], expr: str, salt: int) -> str:
    return f"({sql_array(values)})[1 + {h(expr, salt, len(values))}]"


class Loader:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.timings: list[tuple[str, float, int]] = []

    def literal(self, value) -> str:
        return sql.Literal(value).as_string(self.conn)

    def default_sql(self, model, field) -> str:
        from django.db import models

        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return self.literal(NOW)
        if field.has_default():
            value = field.get_default()
            if isinstance(field, models.JSONField):
                return self.literal(json.dumps(value)) + "::jsonb"
            if isinstance(field, models.DateTimeField):
                return self.literal(NOW)
            if isinstance(value, bool | int | str | Decimal | datetime):
                return self.literal(value)
            raise RuntimeError(f"{model.__name__}.{field.name}: default {value!r} not handled")
        if isinstance(field, models.CharField | models.TextField):
            return "''"
        raise RuntimeError(
            f"{model.__name__}.{field.name} is NOT NULL without a default: "
            "give it a value in bench/generate.py"
        )

    def insert(self, label: str, model, exprs: dict[str, str], from_sql: str) -> int:
        return self.run(label, self.insert_sql(model, exprs, from_sql))

    def insert_sql(self, model, exprs: dict[str, str], from_sql: str) -> str:
        """INSERT INTO model's table (columns from _meta) SELECT exprs FROM from_sql."""
        fields = model._meta.concrete_fields
        known = {f.name for f in fields} | {f.attname for f in fields}
        unknown = set(exprs) - known
        if unknown:
            raise RuntimeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
        columns, values = [], []
        for field in fields:
            key = field.name if field.name in exprs else field.attname
            if key in exprs:
                columns.append(field.column)
                values.append(exprs[key])
            elif field.primary_key or field.null:
                continue
            else:
                columns.append(field.column)
                values.append(self.default_sql(model, field))
        statement = (
            f'INSERT INTO "{model._meta.db_table}" ('
            + ", ".join(f'"{c}"' for c in columns)
            + ") SELECT "
            + ",\n  ".join(values)
            + f"\nFROM {from_sql}"
        )
        return statement

    def run(self, label: str, statement: str, params=None) -> int:
        started = time.perf_counter()
        cursor = self.conn.execute(statement, params)
        rows = cursor.rowcount
        self.conn.commit()
        elapsed = time.perf_counter() - started
        self.timings.append((label, elapsed, rows))
        log(f"  {label:<44} {rows:>10,} rows {elapsed:8.1f} s")
        return rows


def drop_secondary_indexes(conn, tables: list[str]) -> list[str]:
    """Drop the indexes that back no constraint (recreated after the load, much faster)."""
    rows = conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        (tables,),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    conn.commit()
    return [definition for _, definition in rows]


def fingerprint() -> str:
    """Migrations on disk and the models' tables and columns: a change means regenerate."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    parts = sorted(f"{app}.{name}" for app, name in loader.disk_migrations)
    for model in apps.get_models():
        parts.append(
            model._meta.db_table + ":" + ",".join(f.column for f in model._meta.concrete_fields)
        )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def marker(url: str) -> dict | None:
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute(
                f"SELECT size, fingerprint, seconds FROM {MARKER_TABLE} ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except psycopg.Error:
        return None
    return None if row is None else {"size": row[0], "fingerprint": row[1], "seconds": row[2]}


def create_database(size: Size) -> None:
    name = common.database_name(size.name)
    if not name.startswith("cosell_bench_"):
        raise SystemExit(f"refusing to recreate {name!r}: bench databases are cosell_bench_*")
    with psycopg.connect(common.database_url(size.name, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(size: Size) -> None:
    env = {**os.environ, "DATABASE_URL": common.database_url(size.name)}
    env.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=common.ROOT,
        env=env,
        check=True,
    )


def load_people(loader: Loader, size: Size) -> None:
    from django.contrib.auth.hashers import make_password

    from cosell.partners.models import Membership, Partner, Seller, User

    P, S = size.partners, size.sellers
    now = loader.literal(NOW)
    password = loader.literal(make_password(common.PASSWORD))
    loader.insert(
        "partners",
        Partner,
        {
            "id": "g",
            "name": "'Partner ' || g",
            "partner_id": f"CASE WHEN g = 1 OR {h('g', 1)} < 950 THEN lpad(g::text, 8, '0') "
            "ELSE '' END",
            "country": pick(COUNTRIES, "g", 2),
            "business_profile_complete": f"g = 1 OR {h('g', 3)} < 900",
            "solutions_partner_designation": f"{h('g', 4)} < 500",
            "isv_connect_tier": f"CASE WHEN g = 1 THEN 'premium' WHEN {h('g', 5)} < 700 "
            f"THEN 'none' WHEN {h('g', 5)} < 900 THEN 'standard' ELSE 'premium' END",
            "sa_vetted": f"g = 1 OR {h('g', 6)} < 200",
            "acr_trailing_12m_usd": f"CASE WHEN g = 1 OR {h('g', 7)} < 300 THEN 150000 "
            "ELSE 20000 END",
            "created_at": f"{now} - interval '3 years'",
        },
        f"generate_series(1::bigint, {P}) g",
    )
    # Users 1..P are the partners' admins (user g administers partner g); P+1..P+S the sellers.
    loader.insert(
        "users",
        User,
        {
            "id": "g",
            "password": password,
            "username": f"CASE WHEN g <= {P} THEN 'partner' || g || '_admin' "
            f"ELSE 'seller' || (g - {P}) END",
            "email": f"CASE WHEN g <= {P} THEN 'admin@partner' || g || '.example' "
            f"ELSE 'seller' || (g - {P}) || '@microsoft.example' END",
            "first_name": "'Bench'",
            "last_name": "'User ' || g",
            "is_active": "true",
            "date_joined": f"{now} - interval '2 years'",
        },
        f"generate_series(1::bigint, {P + S}) g",
    )
    loader.insert(
        "memberships (one partner admin each)",
        Membership,
        {"id": "g", "user": "g", "partner": "g", "role": "'admin'", "created_at": now},
        f"generate_series(1::bigint, {P}) g",
    )
    countries = (
        f"{pick(COUNTRIES, 'g', 8)} || ',' || {pick(COUNTRIES, 'g', 9)} || ',' "
        f"|| {pick(COUNTRIES, 'g', 10)}"
    )
    loader.insert(
        "sellers",
        Seller,
        {
            "id": "g",
            "user": f"{P} + g",
            "countries": countries,
            "solution_areas": f"jsonb_build_array({pick(SOLUTION_AREAS, 'g', 11)}, "
            f"{pick(SOLUTION_AREAS, 'g', 12)})",
            "is_sa_team": "g % 10 = 0",
            "created_at": now,
        },
        f"generate_series(1::bigint, {S}) g",
    )


def load_offers(loader: Loader, size: Size) -> None:
    from offers.models import Offer, OfferContact, OfferDocument

    P, n_offers = size.partners, size.offers
    now = loader.literal(NOW)
    types = [t for t, _ in OFFER_TYPES]
    solution_types = [s for _, s in OFFER_TYPES]
    type_index = f"(1 + {h('g', 20, len(OFFER_TYPES))})"
    loader.insert(
        "offers",
        Offer,
        {
            "id": "g",
            # Offer g belongs to partner ((g-1) % P) + 1: ten offers a partner.
            "partner": f"((g - 1) % {P}) + 1",
            "name": "'Offer ' || g",
            "offer_type": f"({sql_array(types)})[{type_index}]",
            "solution_type": f"({sql_array(solution_types)})[{type_index}]",
            "listing_state": f"CASE WHEN {h('g', 21)} < 850 THEN 'live' ELSE 'draft' END",
            "transactable": f"{h('g', 22)} < 400",
            "has_paid_plan": f"{h('g', 22)} < 320",
            "billed_revenue_12m_usd": f"CASE WHEN {h('g', 22)} < 100 THEN 250000 ELSE 0 END",
            "solution_areas": f"jsonb_build_array({pick(SOLUTION_AREAS, 'g', 23)})",
            "is_office_add_in": f"{h('g', 24)} < 10",
            "technical_validation": f"CASE WHEN {h('g', 25)} < 500 THEN 'passed' "
            f"WHEN {h('g', 25)} < 600 THEN 'pending' ELSE 'not_submitted' END",
            "created_at": f"{now} - interval '400 days'",
            "updated_at": f"{now} - interval '30 days'",
        },
        f"generate_series(1::bigint, {n_offers}) g",
    )
    loader.insert(
        "offer documents",
        OfferDocument,
        {
            "offer": "o.id",
            "kind": "k.kind",
            "file": "'offers/' || o.id || '/' || k.kind || '.pdf'",
            "original_name": "k.kind || '.pdf'",
            "extension": "'pdf'",
            "content_type": "'application/pdf'",
            "size": "250000",
            "uploaded_at": f"{now} - interval '60 days'",
        },
        "offers_offer o CROSS JOIN (VALUES ('one_pager', 800), ('pitch_deck', 750), "
        "('architecture_diagram', 450)) k(kind, share) "
        f"WHERE {h('o.id', 26)} < k.share",
    )
    loader.insert(
        "offer contacts",
        OfferContact,
        {
            "offer": "o.id",
            "name": "'Contact ' || o.id",
            "email": "'sales@offer' || o.id || '.example'",
            "job_title": "'Account executive'",
            "role": f"CASE WHEN {h('o.id', 27)} < 800 THEN 'sales' ELSE 'marketing' END",
            "countries": """'["OOO"]'::jsonb""",
            "created_at": f"{now} - interval '60 days'",
        },
        "offers_offer o",
    )


def settle_offers(loader: Loader, size: Size) -> None:
    """Give every offer the status the product's engine gives it, and a badge that agrees.

    About a quarter of the offers have a badge change due at the propagation run of
    ``BADGE_RUN_DUE`` (pending if eligible, removal pending if not): ~50,000 at the default size.
    """
    from offers.benefits import badge_eligible
    from offers.status_engine import evaluate

    started = time.perf_counter()
    conn = loader.conn
    conn.execute(
        "CREATE TEMP TABLE settled (id bigint PRIMARY KEY, status text, unmet jsonb, "
        "eligible boolean)"
    )
    query = """
        SELECT o.id, o.offer_type, o.listing_state, o.transactable, o.billed_revenue_12m_usd,
               o.solution_type, o.is_office_add_in, o.technical_validation,
               p.partner_id, p.business_profile_complete, p.solutions_partner_designation,
               p.isv_connect_tier, p.acr_trailing_12m_usd,
               coalesce(d.kinds, '{}'), coalesce(c.roles, '{}')
        FROM offers_offer o
        JOIN partners_partner p ON p.id = o.partner_id
        LEFT JOIN (SELECT offer_id, array_agg(kind) AS kinds FROM offers_offerdocument
                   GROUP BY offer_id) d ON d.offer_id = o.id
        LEFT JOIN (SELECT offer_id, array_agg(role) AS roles FROM offers_offercontact
                   GROUP BY offer_id) c ON c.offer_id = o.id
    """
    buffer = io.StringIO()
    with conn.cursor(name="offers_to_settle") as cursor:
        cursor.itersize = 5000
        cursor.execute(query)
        for row in cursor:
            offer = SimpleNamespace(
                offer_type=row[1],
                listing_state=row[2],
                transactable=row[3],
                billed_revenue_12m_usd=row[4],
                solution_type=row[5],
                is_office_add_in=row[6],
                technical_validation=row[7],
            )
            partner = SimpleNamespace(
                partner_id=row[8],
                business_profile_complete=row[9],
                solutions_partner_designation=row[10],
                isv_connect_tier=row[11],
                acr_trailing_12m_usd=row[12],
            )
            evaluation = evaluate(offer, partner, row[13], row[14])
            eligible = badge_eligible(evaluation.status, partner)
            unmet = json.dumps(evaluation.unmet)
            buffer.write(f"{row[0]}\t{evaluation.status}\t{unmet}\t{'t' if eligible else 'f'}\n")
    with conn.cursor().copy("COPY settled (id, status, unmet, eligible) FROM STDIN") as copy:
        copy.write(buffer.getvalue())
    conn.commit()
    loader.timings.append(("status engine over offers (python)", time.perf_counter() - started, 0))
    log(f"  {'status engine over offers (python)':<44} {time.perf_counter() - started:19.1f} s")
    due = f"{h('o.id', 28)} < 250"
    loader.run(
        "offers: settle status and badge",
        f"""
        UPDATE offers_offer o SET
          co_sell_status = s.status,
          co_sell_unmet = s.unmet,
          status_changed_at = CASE WHEN s.status <> 'not_ready'
                                   THEN {loader.literal(NOW)} - interval '90 days' END,
          badge_state = CASE
            WHEN s.eligible AND {due} THEN 'pending'
            WHEN s.eligible AND {h("o.id", 29)} < 100 THEN 'pending'
            WHEN s.eligible THEN 'visible'
            WHEN {due} THEN 'removal_pending'
            ELSE 'none' END,
          badge_due_at = CASE
            WHEN {due} THEN {loader.literal(BADGE_RUN_DUE)}
            WHEN s.eligible AND {h("o.id", 29)} < 100 THEN {loader.literal(BADGE_RUN_NEXT)} END,
          badge_visible_since = CASE
            WHEN (s.eligible AND NOT {due} AND {h("o.id", 29)} >= 100)
              OR (NOT s.eligible AND {due}) THEN '2026-01-01T00:00:00Z'::timestamptz END
        FROM settled s WHERE s.id = o.id
        """,
    )


def load_opportunities(loader: Loader, size: Size) -> None:
    from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember

    P, N = size.partners, size.opportunities
    now = loader.literal(NOW)
    # Every tenth opportunity is the large partner's; the rest spread over partners 2..P.
    partner = f"CASE WHEN g % 10 = 0 THEN {LARGE_PARTNER_ID} ELSE 2 + (g * 7919) % ({P} - 1) END"
    category = (
        f"CASE WHEN {h('g', 40)} < 350 THEN 'microsoft' WHEN {h('g', 40)} < 550 THEN 'p2p' "
        f"WHEN {h('g', 40)} < 900 THEN 'private' ELSE 'solution_assessment' END"
    )
    status = (
        f"CASE WHEN {h('g', 41)} < 600 THEN 'active' WHEN {h('g', 41)} < 800 THEN 'won' "
        f"WHEN {h('g', 41)} < 950 THEN 'lost' ELSE 'error' END"
    )
    open_stages = ["created", "accepted", "qualified", "developed", "proposed", "negotiated"]
    # Newer opportunities have higher ids: created_at runs from two years ago to now.
    created = f"({now} - make_interval(secs => ({N} - g) * (63072000.0 / {N})))"
    customer = f"{h('g', 43, 200000)}"
    loader.insert(
        "opportunities",
        Opportunity,
        {
            "id": "g",
            "partner": "x.partner",
            "category": "x.category",
            "name": "'Deal ' || g || ' for Customer ' || x.customer",
            "status": "x.status",
            "stage": f"CASE WHEN x.status = 'won' THEN 'won' ELSE {pick(open_stages, 'g', 42)} END",
            "customer_name": "'Customer ' || x.customer || ' Ltd'",
            "customer_name_normalized": "'customer ' || x.customer",
            "customer_address": "x.customer || ' Main Street'",
            "customer_country": pick(COUNTRIES, "g", 44),
            "customer_size": pick(
                [
                    "1to50employees",
                    "51to500employees",
                    "1001to5000employees",
                    "Morethan20000employees",
                ],
                "g",
                45,
            ),
            "customer_duns": "lpad(x.customer::text, 9, '0')",
            "contact_consent": f"{h('g', 46)} < 700",
            "contact_name": "'Contact ' || g",
            "contact_email": "'contact' || g || '@customer' || x.customer || '.example'",
            "contact_phone": "'+1 555 0100'",
            "value": f"1000 + {h('g', 47, 500000)}",
            "currency": "'USD'",
            "close_date": f"({now})::date + {h('g', 48, 365)} - 100",
            "notes": "''",
            "help_needed": """'["general"]'::jsonb""",
            "assessment_type": "CASE WHEN x.category = 'solution_assessment' "
            f"THEN {pick(['azure_migration', 'data_ai', 'security'], 'g', 49)} ELSE '' END",
            "purchase_intent": pick(["yes", "no", "undecided"], "g", 50),
            "close_reason": "CASE x.status WHEN 'lost' THEN 'chose_another_vendor' "
            "WHEN 'error' THEN 'duplicate_in_portal' ELSE '' END",
            "closed_at": f"CASE WHEN x.status <> 'active' THEN LEAST({created} + interval "
            f"'60 days', {now}) END",
            "created_by": "x.partner",
            "created_at": created,
            "updated_at": f"LEAST({created} + interval '3 days', {now})",
            "version": "1",
        },
        f"(SELECT g, {partner} AS partner, {category} AS category, {status} AS status, "
        f"{customer} AS customer FROM generate_series(1::bigint, {N}) g) x",
    )
    loader.insert(
        "opportunity solutions (one offer each)",
        OpportunitySolution,
        {
            "id": "o.id",
            "opportunity": "o.id",
            "kind": "'offer'",
            # One of the partner's own ten offers.
            "offer": f"o.partner_id + {P} * {h('o.id', 51, 10)}",
            "name": "''",
        },
        "opportunities_opportunity o",
    )
    loader.insert(
        "team members (the owner)",
        TeamMember,
        {
            "id": "o.id",
            "opportunity": "o.id",
            "user": "o.partner_id",
            "role": "'owner'",
            "added_at": "o.created_at",
        },
        "opportunities_opportunity o",
    )


def load_leads(loader: Loader, size: Size) -> None:
    """Leads come from opportunities: co-sell and solution-assessment deals send theirs to
    Microsoft (a seller, or one in ten to the queue), partner-to-partner deals to another
    partner, and private deals stand in for seller and marketplace leads to the partner (with
    the opportunity once accepted). Per lead: 5% received and past expiry (the expiry job's
    work), 10% received and waiting, the rest answered, expired or withdrawn."""
    from opportunities.leads.models import Lead

    P, S, N = size.partners, size.sellers, size.opportunities
    now = loader.literal(NOW)
    from_sql = f"""(
        SELECT b.*,
          CASE WHEN b.hl < 50 THEN 'received' WHEN b.hl < 150 THEN 'received'
               WHEN b.hl < 600 THEN 'accepted' WHEN b.hl < 800 THEN 'declined'
               WHEN b.hl < 920 THEN 'expired' ELSE 'withdrawn' END AS status,
          CASE WHEN b.hl < 50 THEN {now} - make_interval(days => 15 + {h("b.lid", 61, 5)},
                                                       secs => {h("b.lid", 62, 86400)})
               WHEN b.hl < 150 THEN {now} - make_interval(days => {h("b.lid", 61, 13)},
                                                        secs => {h("b.lid", 62, 86400)})
               ELSE {now} - make_interval(days => 15 + {h("b.lid", 61, 700)},
                                          secs => {h("b.lid", 62, 86400)}) END AS sent_at,
          CASE WHEN b.kind = 'to_ms' AND {h("b.lid", 63, 10)} > 0
               THEN 1 + {h("b.lid", 64, S)} END AS seller,
          CASE WHEN b.kind = 'to_partner'
               THEN ((b.partner_id - 1 + 1 + {h("b.lid", 65, P - 1)}) % {P}) + 1
               WHEN b.kind IN ('from_seller', 'marketplace') THEN b.partner_id END AS to_partner
        FROM (
          SELECT o.id AS oid, o.partner_id, o.customer_name, o.customer_country,
                 r.r * {N} + o.id AS lid,
                 {h("r.r * " + str(N) + " + o.id", 60)} AS hl,
                 CASE WHEN o.category IN ('microsoft', 'solution_assessment') THEN 'to_ms'
                      WHEN o.category = 'p2p' THEN 'to_partner'
                      WHEN r.r = 0 THEN 'from_seller' ELSE 'marketplace' END AS kind
          FROM opportunities_opportunity o
          CROSS JOIN generate_series(0, {size.leads_per_opportunity - 1}) r(r)
        ) b
    ) x"""
    answered = "x.status IN ('accepted', 'declined')"
    loader.insert(
        "leads",
        Lead,
        {
            "id": "x.lid",
            "source": "CASE x.kind WHEN 'from_seller' THEN 'seller' "
            "WHEN 'marketplace' THEN 'marketplace' ELSE 'partner' END",
            "opportunity": "CASE WHEN x.kind IN ('to_ms', 'to_partner') "
            "OR x.status = 'accepted' THEN x.oid END",
            "status": "x.status",
            "sender_partner": "CASE WHEN x.kind IN ('to_ms', 'to_partner') THEN x.partner_id END",
            "sender_user": "CASE WHEN x.kind IN ('to_ms', 'to_partner') THEN x.partner_id "
            f"WHEN x.kind = 'from_seller' THEN {P} + 1 + {h('x.lid', 66, S)} END",
            "receiver": "CASE WHEN x.kind = 'to_ms' THEN 'microsoft' ELSE 'partner' END",
            "receiver_partner": "x.to_partner",
            "receiver_seller": "x.seller",
            "offer": "CASE WHEN x.kind IN ('from_seller', 'marketplace') "
            f"THEN x.partner_id + {P} * {h('x.lid', 67, 10)} END",
            "call_to_action": "CASE WHEN x.kind = 'marketplace' "
            f"THEN {pick(['get_it_now', 'free_trial', 'test_drive', 'contact_me'], 'x.lid', 68)} "
            "ELSE '' END",
            "title": "'Lead ' || x.lid",
            "customer_name": "x.customer_name",
            "customer_country": "x.customer_country",
            "contact_consent": f"{h('x.lid', 69)} < 700",
            "contact_name": "'Contact ' || x.lid",
            "contact_email": "'contact' || x.lid || '@customer.example'",
            "contact_phone": "'+1 555 0199'",
            "value": f"1000 + {h('x.lid', 70, 500000)}",
            "currency": "'USD'",
            "close_date": f"({now})::date + {h('x.lid', 71, 365)}",
            "notes": "''",
            "sent_at": "x.sent_at",
            "expires_at": "x.sent_at + interval '14 days'",
            "answered_at": f"CASE WHEN {answered} THEN x.sent_at + interval '2 days' END",
            "answered_by": f"CASE WHEN NOT ({answered}) THEN NULL "
            f"WHEN x.kind = 'to_ms' THEN {P} + coalesce(x.seller, 1) ELSE x.to_partner END",
            "decline_reason": "CASE WHEN x.status = 'declined' THEN 'timeline_too_short' "
            "ELSE '' END",
            "decline_notes": "''",
        },
        from_sql,
    )


def reset_sequences(conn, tables: list[str]) -> None:
    for table in tables:
        sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
        if sequence:
            conn.execute(
                f'SELECT setval(%s, coalesce((SELECT max(id) FROM "{table}"), 0) + 1, false)',
                (sequence,),
            )
    conn.commit()


def generate(size: Size) -> None:
    from django.apps import apps

    started = time.perf_counter()
    url = common.database_url(size.name)
    log(f"Generating {size.name}: {size} into {url}")
    create_database(size)
    step = time.perf_counter()
    migrate(size)
    log(f"  {'migrations':<44} {'':>10}      {time.perf_counter() - step:8.1f} s")

    tables = [
        model._meta.db_table
        for label in ("partners", "offers", "opportunities")
        for model in apps.get_app_config(label).get_models()
    ] + ["partners_user"]
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET work_mem = '64MB'")
        try:
            # Foreign keys hold by construction; their per-row checks would dominate the load.
            conn.execute("SET session_replication_role = replica")
        except psycopg.Error:
            conn.rollback()
            log("  (not a superuser: foreign keys are checked row by row; slower)")
        conn.commit()
        indexes = drop_secondary_indexes(conn, sorted(set(tables)))
        loader = Loader(conn)
        load_people(loader, size)
        load_offers(loader, size)
        settle_offers(loader, size)
        load_opportunities(loader, size)
        load_leads(loader, size)
        step = time.perf_counter()
        for definition in indexes:
            conn.execute(definition)
            conn.commit()
        log(f"  {f'{len(indexes)} secondary indexes rebuilt':<44} {'':>10}      "
            f"{time.perf_counter() - step:8.1f} s")  # fmt: skip
        reset_sequences(conn, sorted(set(tables)))
        conn.execute("SET session_replication_role = DEFAULT")
        conn.commit()
        step = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")
        log(f"  {'VACUUM ANALYZE':<44} {'':>10}      {time.perf_counter() - step:8.1f} s")
        seconds = time.perf_counter() - started
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id serial PRIMARY KEY, size text, "
            "fingerprint text, seconds real, counts jsonb, generated_at timestamptz DEFAULT now())"
        )
        counts = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in sorted(set(tables))
        }
        conn.execute(
            f"INSERT INTO {MARKER_TABLE} (size, fingerprint, seconds, counts) "
            "VALUES (%s, %s, %s, %s)",
            (size.name, fingerprint(), seconds, json.dumps(counts)),
        )
    for table, count in counts.items():
        log(f"  {table:<44} {count:>10,}")
    log(f"Generated {size.name} in {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(common.SIZES), default="default")
    parser.add_argument("--force", action="store_true", help="regenerate even if loaded")
    args = parser.parse_args(argv)
    size = common.SIZES[args.size]
    common.django_setup(size.name)
    existing = marker(common.database_url(size.name))
    if (
        not args.force
        and existing
        and existing["size"] == size.name
        and existing["fingerprint"] == fingerprint()
    ):
        log(
            f"{common.database_name(size.name)} already holds the {size.name} set for this "
            f"schema (generated in {existing['seconds']:.0f} s); --force regenerates it."
        )
        return 0
    if existing:
        log("The schema changed since the last generation (or another size): regenerating.")
    generate(size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
