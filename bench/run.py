"""Run the benchmark's scenarios against a generated database, each against its limit.

    .venv/bin/python -m bench.run --size small|default

Read endpoints go over HTTP through gunicorn (``cosell.wsgi``, 2 workers, persistent database
connections, production settings) and are compared with ``bench.bare_wsgi`` under the same
gunicorn settings, running the SELECTs the portal issued for the same request. Jobs run in this
process through ``cosell.core.periodic`` and are compared with one hand-written SQL transaction
making the same writes; the data is put back between repetitions. Prints a table and writes
``bench/results/latest.json``; EXPLAIN plans go to ``bench/results/explain.txt``.
"""

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import common, concurrency, csv_import, fixed_cost
from .common import LARGE_PARTNER_ID, NOW, RESULTS, ROOT

DJANGO_PORT = int(os.environ.get("BENCH_DJANGO_PORT", "8101"))
BARE_PORT = int(os.environ.get("BENCH_BARE_PORT", "8102"))
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
BENCH_VAR = ROOT / "var" / "bench"
# Production settings for this process and both gunicorns. The API's per-user throttle is raised
# (8 clients share one token); "/s" keeps DRF's history of request times short.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-not-secret-" + "b" * 50,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    "DJANGO_CONN_MAX_AGE": "600",
    "DJANGO_LOG_LEVEL": "WARNING",
    "COSELL_API_USER_RATE": "100000/s",
    "COSELL_VAR_DIR": str(BENCH_VAR),
    "REDIS_URL": BENCH_REDIS_URL,
    "COSELL_CACHE_PREFIX": "cosell-bench",
}
# Both gunicorns' worker model and count: the portal's production settings (gunicorn.conf.py),
# for the portal and the bare app alike.
GUNICORN_ARGS = ["--config", str(ROOT / "gunicorn.conf.py")]
AUTH_TABLES = ("core_apitoken", "django_session", "partners_membership", "partners_seller")


def log(message: str = "") -> None:
    print(message, flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Results:
    def __init__(self):
        self.rows: list[dict] = []

    def add(
        self, scenario: str, times: list[float], limit: list[float], target: float | None, **extra
    ):
        """``target``: the ratio's ceiling, or None when the scenario has no ratio target."""
        median, limit_median = statistics.median(times), statistics.median(limit)
        ratio = round(median / limit_median, 2) if limit_median else None
        row = {
            "scenario": scenario,
            "median_ms": ms(median),
            "p95_ms": ms(p95(times)),
            "limit_median_ms": ms(limit_median),
            "ratio": ratio,
            "target": target,
            "met": None if target is None else (ratio is not None and ratio <= target),
            "runs": len(times),
            **extra,
        }
        self.rows.append(row)
        log(
            f"  -> {scenario}: median {row['median_ms']} ms, p95 {row['p95_ms']} ms, "
            f"limit {row['limit_median_ms']} ms, ratio {ratio}"
        )
        return row

    def table(self) -> str:
        header = f"{'scenario':<52} {'median ms':>10} {'p95 ms':>9} {'limit ms':>9} "
        header += f"{'ratio':>6} {'target':>8}  met"
        lines = [header, "-" * len(header)]
        for row in self.rows:
            met = {True: "yes", False: "NO", None: "-"}[row.get("met")]
            ratio = row["ratio"] if row["ratio"] is not None else "-"
            target = row["target"]
            target = f"<= {target}x" if isinstance(target, int | float) else (target or "-")
            lines.append(
                f"{row['scenario']:<52} {row['median_ms']:>10} {row['p95_ms']:>9} "
                f"{row['limit_median_ms']:>9} {ratio:>6} "
                f"{target:>8}  {met}"
            )
        return "\n".join(lines)


# --- setup ------------------------------------------------------------------------------------


def prepare_people() -> dict:
    """API tokens for the large partner's admin and the busiest seller; a browser session."""
    from django.db import connection
    from django.test import Client

    from cosell.core.models import ApiToken
    from cosell.partners.models import Seller, User

    admin = User.objects.get(pk=LARGE_PARTNER_ID)  # user g administers partner g
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT receiver_seller_id FROM opportunities_lead WHERE status = 'received' "
            "AND receiver = 'microsoft' AND receiver_seller_id IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        seller = Seller.objects.select_related("user").get(pk=cursor.fetchone()[0])
    ApiToken.objects.filter(name="bench").delete()
    tokens = {}
    for who, user in (("admin", admin), ("seller", seller.user)):
        raw, key_hash, prefix = ApiToken.generate()
        ApiToken.objects.create(user=user, name="bench", key_hash=key_hash, prefix=prefix)
        tokens[who] = raw
    client = Client()
    client.force_login(admin)
    return {
        "admin": admin,
        "seller": seller,
        "tokens": tokens,
        "session": client.cookies["sessionid"].value,
    }


def headers_for(people: dict, auth: str) -> dict[str, str]:
    if auth == "session":
        return {"Cookie": f"sessionid={people['session']}"}
    return {"Authorization": f"Token {people['tokens'][auth]}"}


def capture(path: str, headers: dict[str, str]) -> dict:
    """Request ``path`` in-process; return status, body and the SQL it issued."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    if "HTTP_COOKIE" in extra:
        client = Client()
        client.cookies["sessionid"] = extra.pop("HTTP_COOKIE").split("=", 1)[1]
    else:
        client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    statements = [query["sql"] for query in queries.captured_queries]
    data = [s for s in statements if is_data_select(s)]
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "all": statements,
        "data": data,
        "body": response.content,
    }


def is_data_select(statement: str) -> bool:
    """The SELECTs that fetch what the page shows (not auth, sessions, savepoints, writes)."""
    text = statement.lstrip().upper()
    if not text.startswith("SELECT"):
        return False
    first_table = re.search(r' FROM "(\w+)"', statement)
    if first_table and first_table.group(1) in AUTH_TABLES:
        return False
    # The session's user looked up by primary key.
    return not re.match(
        r'^SELECT .* FROM "partners_user" WHERE "partners_user"."id" = \d+', statement
    )


# --- HTTP -------------------------------------------------------------------------------------


def http_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, time.perf_counter() - started


class Gunicorn:
    def __init__(self, app: str, port: int, env: dict[str, str]):
        self.app, self.port, self.env = app, port, env
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept open for the server)
            prefix=f"bench-gunicorn-{port}-", suffix=".log", delete=False
        )

    def __enter__(self):
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            self.app,
            "--bind",
            f"127.0.0.1:{self.port}",
            *GUNICORN_ARGS,
            "--timeout",
            "120",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited; see {self.log.name}")
            try:
                http_get(self.port, "/__bench_ready__", {})
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn {self.app} did not start; see {self.log.name}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def time_pair(path: str, headers: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Interleave the portal and the bare app, so that noise hits both alike."""
    for _ in range(3):  # warm both workers' connections and caches
        http_get(DJANGO_PORT, path, headers)
        http_get(BARE_PORT, path, {})
    portal, bare = [], []
    for _ in range(runs):
        status, body, elapsed = http_get(DJANGO_PORT, path, headers)
        if status != 200:
            raise RuntimeError(f"{path}: portal answered {status}: {body[:300]!r}")
        portal.append(elapsed)
        status, body, elapsed = http_get(BARE_PORT, path, {})
        if status != 200:
            raise RuntimeError(f"{path}: bare app answered {status}: {body[:300]!r}")
        bare.append(elapsed)
    return portal, bare


# --- database helpers -------------------------------------------------------------------------


def explain(statement: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return "\n".join(row[0] for row in cursor.fetchall())


def sql(statement: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def vacuum(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')


def purge_broker() -> int:
    """Drop the task messages the jobs queued (no worker runs here); say how many."""
    import redis

    client = redis.Redis.from_url(BENCH_REDIS_URL)
    queued = 0
    for key in client.keys("*"):
        if client.type(key) == b"list":  # the queues (bindings and caches are left alone)
            queued += client.llen(key)
            client.delete(key)
    return queued


def in_transaction(statement: str) -> None:
    """One hand-written transaction, committed: the job's batches commit too."""
    from django.db import transaction

    with transaction.atomic():
        sql(statement, [NOW])


def timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


# --- jobs -------------------------------------------------------------------------------------


def writes_since(audit_baseline: int) -> dict:
    return {
        "audit_events": sql("SELECT count(*) FROM core_auditevent WHERE id > %s", [audit_baseline])[
            0
        ][0],
        "outbox_rows": sql("SELECT count(*) FROM webhooks_outboxevent")[0][0],
    }


def insert_audit_sql(loader, from_sql: str, exprs: dict[str, str]) -> str:
    from cosell.core.models import AuditEvent

    return loader.insert_sql(AuditEvent, exprs, from_sql)


def job_lead_expiry(results: Results, reps: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from cosell.core import periodic
    from cosell.webhooks.models import OutboxEvent
    from opportunities.leads.models import Lead

    from .generate import Loader

    sql("DROP TABLE IF EXISTS bench_lead_due")
    sql(
        "CREATE TABLE bench_lead_due AS SELECT id, sender_partner_id FROM opportunities_lead "
        "WHERE status = 'received' AND expires_at <= %s",
        [NOW],
    )
    due = sql("SELECT count(*) FROM bench_lead_due")[0][0]
    audit_baseline = sql("SELECT coalesce(max(id), 0) FROM core_auditevent")[0][0]
    from cosell.core.models import PendingEffect

    effects_baseline = sql(f'SELECT coalesce(max(id), 0) FROM "{PendingEffect._meta.db_table}"')[0][
        0
    ]
    lead_type = ContentType.objects.get_for_model(Lead).pk
    loader = Loader(connection.connection)

    def reset():
        sql(
            "UPDATE opportunities_lead l SET status = 'received' FROM bench_lead_due d "
            "WHERE l.id = d.id AND l.status <> 'received'"
        )
        sql("DELETE FROM core_auditevent WHERE id > %s", [audit_baseline])
        sql(f'DELETE FROM "{OutboxEvent._meta.db_table}"')
        sql(f'DELETE FROM "{PendingEffect._meta.db_table}" WHERE id > %s', [effects_baseline])
        purge_broker()
        vacuum(
            "opportunities_lead",
            "core_auditevent",
            OutboxEvent._meta.db_table,
            PendingEffect._meta.db_table,
        )

    log(f"\nLead expiry job: {due:,} leads due at {NOW.isoformat()}")
    reset()
    django_times, sql_times, django_writes, queued = [], [], {}, 0
    outbox_per_lead = None
    for rep in range(reps):
        elapsed = timed(lambda: periodic.run("leads.expire", NOW))
        django_times.append(elapsed)
        django_writes = writes_since(audit_baseline)
        django_writes["leads_expired"] = sql(
            "SELECT count(*) FROM opportunities_lead l JOIN bench_lead_due d ON d.id = l.id "
            "WHERE l.status = 'expired'"
        )[0][0]
        outbox_per_lead = django_writes["outbox_rows"]
        queued = purge_broker()
        log(f"  portal job rep {rep + 1}: {elapsed:.2f} s, writes {django_writes}, "
            f"{queued:,} tasks queued")  # fmt: skip
        reset()
        statement = hand_written_expiry(loader, lead_type, outbox=bool(outbox_per_lead))
        elapsed = timed(lambda: in_transaction(statement))  # noqa: B023 (the commit counts)
        sql_times.append(elapsed)
        sql_writes = writes_since(audit_baseline)
        log(f"  hand SQL rep {rep + 1}: {elapsed:.2f} s, writes {sql_writes}")
        reset()
    results.add(
        f"job leads.expire ({due:,} due)",
        django_times,
        sql_times,
        2.0,
        rows=due,
        portal_writes=django_writes,
        tasks_queued=queued,
    )


def hand_written_expiry(loader, lead_type: int, *, outbox: bool) -> str:
    now = "%s::timestamptz"
    audit = insert_audit_sql(
        loader,
        "changed",
        {
            "subject_type": str(lead_type),
            "subject_id": "changed.id::text",
            "verb": "'expired'",
            "from_state": "'received'",
            "to_state": "'expired'",
            "job": "'leads.expire'",
            "at": "(SELECT t FROM at)",
            "extra": "'{}'::jsonb",
        },
    )
    statement = f"""
        WITH at AS (SELECT {now} AS t),
        due AS (
          SELECT id FROM opportunities_lead
          WHERE status = 'received' AND expires_at <= (SELECT t FROM at)
          FOR UPDATE SKIP LOCKED
        ),
        changed AS (
          UPDATE opportunities_lead l SET status = 'expired' FROM due
          WHERE l.id = due.id AND l.status = 'received'
          RETURNING l.*
        ),
        audit AS ({audit} RETURNING 1)
    """
    if outbox:
        # One row per partner on the lead (sender, receiver), with the lead as that partner may
        # see it: what opportunities.events.lead_recipients writes.
        statement += """,
        outbox AS (
          INSERT INTO webhooks_outboxevent (id, type, partner_id, subject_type, subject_id, data,
                                            created_at)
          SELECT gen_random_uuid(), 'lead.expired', r.partner_id, 'opportunities.lead',
                 c.id::text,
                 jsonb_build_object(
                   'id', c.id, 'status', 'expired', 'source', c.source,
                   'direction', CASE WHEN c.receiver_partner_id = r.partner_id
                                     THEN 'incoming' ELSE 'outgoing' END,
                   'opportunity_id', c.opportunity_id, 'sender_partner_id', c.sender_partner_id,
                   'receiver', c.receiver, 'receiver_partner_id', c.receiver_partner_id,
                   'title', coalesce(nullif(c.title, ''), o.name, ''),
                   'call_to_action', c.call_to_action, 'offer_id', c.offer_id,
                   'customer', jsonb_build_object(
                     'name', coalesce(o.customer_name, c.customer_name),
                     'country', coalesce(o.customer_country, c.customer_country)),
                   'contact', CASE WHEN c.receiver_partner_id = r.partner_id THEN NULL
                                   ELSE jsonb_build_object('name', coalesce(o.contact_name,
                                          c.contact_name)) END,
                   'value', c.value::text, 'currency', c.currency, 'close_date', c.close_date,
                   'notes', c.notes, 'sent_at', c.sent_at, 'expires_at', c.expires_at,
                   'answered_at', c.answered_at, 'decline_reason', c.decline_reason,
                   'decline_notes', c.decline_notes),
                 (SELECT t FROM at)
          FROM changed c
          LEFT JOIN opportunities_opportunity o ON o.id = c.opportunity_id
          CROSS JOIN LATERAL (VALUES (c.sender_partner_id), (c.receiver_partner_id)) r(partner_id)
          WHERE r.partner_id IS NOT NULL
          RETURNING 1
        )
        """
    # The sender's mail, one side effect per lead as ``effects.queue_many`` records it.
    from cosell.core.effects import PUBLISH_GRACE
    from cosell.core.models import PendingEffect
    from opportunities import tasks

    statement += f""",
        effects AS (
          INSERT INTO {PendingEffect._meta.db_table} (task, args, kwargs, status, created_at,
                                                      next_try_at, attempts, last_error)
          SELECT '{tasks.lead_notify_sender.name}', jsonb_build_array(c.id, 'expired'),
                 '{{}}'::jsonb, 'pending', (SELECT t FROM at),
                 (SELECT t FROM at) + interval '{int(PUBLISH_GRACE.total_seconds())} seconds',
                 0, ''
          FROM changed c
          RETURNING 1
        )
        """
    return statement + " SELECT count(*) FROM changed"


def job_badge_propagation(results: Results, reps: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from cosell.core import periodic
    from offers.models import Offer

    from .generate import Loader

    sql("DROP TABLE IF EXISTS bench_badge_due")
    sql(
        "CREATE TABLE bench_badge_due AS SELECT id, partner_id, badge_state, badge_due_at, "
        "badge_visible_since FROM offers_offer "
        "WHERE badge_state IN ('pending', 'removal_pending') AND badge_due_at <= %s",
        [NOW],
    )
    due = sql("SELECT count(*) FROM bench_badge_due")[0][0]
    audit_baseline = sql("SELECT coalesce(max(id), 0) FROM core_auditevent")[0][0]
    offer_type = ContentType.objects.get_for_model(Offer).pk
    loader = Loader(connection.connection)

    def reset():
        sql(
            "UPDATE offers_offer o SET badge_state = d.badge_state, badge_due_at = d.badge_due_at, "
            "badge_visible_since = d.badge_visible_since FROM bench_badge_due d WHERE o.id = d.id"
        )
        sql("DELETE FROM core_auditevent WHERE id > %s", [audit_baseline])
        sql("DELETE FROM webhooks_outboxevent")
        purge_broker()
        vacuum("offers_offer", "core_auditevent", "webhooks_outboxevent")

    audit = insert_audit_sql(
        loader,
        "changed",
        {
            "subject_type": str(offer_type),
            "subject_id": "changed.id::text",
            "verb": "'badge_changed'",
            "from_state": "changed.old_state",
            "to_state": "changed.badge_state",
            "job": "'offers.badge_propagate'",
            "reason": "'propagation run ' || to_char(changed.old_due AT TIME ZONE 'UTC', "
            """'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')""",
            "at": "(SELECT t FROM at)",
            "extra": "'{}'::jsonb",
        },
    )

    def hand_written(outbox: bool) -> str:
        statement = f"""
            WITH at AS (SELECT %s::timestamptz AS t),
            due AS (
              SELECT id, badge_state, badge_due_at FROM offers_offer
              WHERE badge_state IN ('pending', 'removal_pending')
                AND badge_due_at <= (SELECT t FROM at)
              FOR UPDATE
            ),
            changed AS (
              UPDATE offers_offer o SET
                badge_state = CASE due.badge_state WHEN 'pending' THEN 'visible' ELSE 'none' END,
                badge_visible_since = CASE WHEN due.badge_state = 'pending'
                                           THEN due.badge_due_at END,
                badge_due_at = NULL
              FROM due WHERE o.id = due.id
              RETURNING o.id, o.partner_id, o.name, o.co_sell_status, o.badge_state,
                        o.badge_visible_since, due.badge_state AS old_state,
                        due.badge_due_at AS old_due
            ),
            audit AS ({audit} RETURNING 1)
        """
        if outbox:
            statement += """,
            outbox AS (
              INSERT INTO webhooks_outboxevent (id, type, partner_id, subject_type, subject_id,
                                                data, created_at)
              SELECT gen_random_uuid(), 'offer.badge_changed', partner_id, 'offers.offer',
                     id::text,
                     -- what offers.events.offer_data writes
                     jsonb_build_object(
                       'id', id, 'name', name, 'partner_id', partner_id,
                       'co_sell_status', co_sell_status, 'badge_state', badge_state,
                       'badge_due_at', NULL, 'badge_visible_since', badge_visible_since,
                       'from', old_state, 'to', badge_state),
                     (SELECT t FROM at)
              FROM changed RETURNING 1
            )
            """
        return statement + " SELECT count(*) FROM changed"

    log(f"\nBadge propagation job: {due:,} offers due at {NOW.isoformat()}")
    reset()
    django_times, sql_times, django_writes = [], [], {}
    for rep in range(reps):
        elapsed = timed(lambda: periodic.run("offers.badge_propagate", NOW))
        django_times.append(elapsed)
        django_writes = writes_since(audit_baseline)
        django_writes["offers_changed"] = sql(
            "SELECT count(*) FROM offers_offer o JOIN bench_badge_due d ON d.id = o.id "
            "WHERE o.badge_state <> d.badge_state"
        )[0][0]
        queued = purge_broker()
        log(f"  portal job rep {rep + 1}: {elapsed:.2f} s, writes {django_writes}, "
            f"{queued:,} tasks queued")  # fmt: skip
        reset()
        statement = hand_written(bool(django_writes["outbox_rows"]))
        elapsed = timed(lambda: in_transaction(statement))  # noqa: B023 (the commit counts)
        sql_times.append(elapsed)
        log(f"  hand SQL rep {rep + 1}: {elapsed:.2f} s, writes {writes_since(audit_baseline)}")
        reset()
    results.add(
        f"job offers.badge_propagate ({due:,} due)",
        django_times,
        sql_times,
        2.0,
        rows=due,
        portal_writes=django_writes,
    )


def job_reevaluate(results: Results, reps: int) -> None:
    """The nightly re-evaluation: rows per second, against reading the same rows in SQL."""
    from cosell.core import periodic

    total = sql("SELECT count(*) FROM offers_offer")[0][0]
    audit_baseline = sql("SELECT coalesce(max(id), 0) FROM core_auditevent")[0][0]
    read_sql = """
        SELECT o.*, p.*, d.kinds, c.roles
        FROM offers_offer o
        JOIN partners_partner p ON p.id = o.partner_id
        LEFT JOIN (SELECT offer_id, array_agg(kind) AS kinds FROM offers_offerdocument
                   GROUP BY offer_id) d ON d.offer_id = o.id
        LEFT JOIN (SELECT offer_id, array_agg(role) AS roles FROM offers_offercontact
                   GROUP BY offer_id) c ON c.offer_id = o.id
    """
    log(f"\nNightly re-evaluation of all {total:,} offers")
    times, limit, changed = [], [], 0
    for rep in range(reps):
        started = time.perf_counter()
        changed = periodic.run("offers.reevaluate_all", NOW)
        times.append(time.perf_counter() - started)
        limit.append(timed(lambda: sql(read_sql)))
        log(f"  rep {rep + 1}: {times[-1]:.1f} s ({total / times[-1]:,.0f} offers/s), "
            f"{changed} changed; reading the same rows in SQL {limit[-1]:.2f} s")  # fmt: skip
    sql("DELETE FROM core_auditevent WHERE id > %s", [audit_baseline])
    purge_broker()
    results.add(
        f"job offers.reevaluate_all ({total:,} offers)",
        times,
        limit,
        2.0,
        rows=total,
        rows_per_s=round(total / statistics.median(times)),
        changed=changed,
    )


# --- main -------------------------------------------------------------------------------------


SHIM_SETTINGS = ["--settings", "bench.collectstatic_settings"]


def ensure_static(env: dict[str, str]) -> None:
    """Production mode serves hashed static names from a manifest: collect them (incremental)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0", *SHIM_SETTINGS],
        cwd=ROOT,
        env=env,
        check=True,
    )


def machine() -> dict:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lscpu if "Model name" in line), "")
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "postgresql": sql("SHOW server_version")[0][0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(common.SIZES), default="default")
    parser.add_argument("--runs", type=int, default=30, help="requests per read scenario")
    parser.add_argument("--job-reps", type=int, default=3)
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--load-rounds", type=int, default=2, help="per client count")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument(
        "--only", default="", help="only reads whose name contains this (no load, jobs)"
    )
    parser.add_argument("--jobs", default="", help="a subset: expire,badge,reevaluate,csv")
    args = parser.parse_args(argv)
    size = common.SIZES[args.size]

    os.environ.update(PRODUCTION_ENV)
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    common.django_setup(size.name)
    env = {**os.environ, "DATABASE_URL": common.database_url(size.name)}
    from .generate import fingerprint, marker

    loaded = marker(common.database_url(size.name))
    if not loaded or loaded["size"] != size.name:
        log(f"No {size.name} data set: run .venv/bin/python -m bench.generate --size {size.name}")
        return 2
    if loaded["fingerprint"] != fingerprint():
        log("warning: the schema changed since the data set was generated; regenerate it")

    RESULTS.mkdir(parents=True, exist_ok=True)
    ensure_static(env)
    results = Results()
    info = machine()
    log(f"Bench {size.name} on {info}")
    people = prepare_people()
    admin_headers = headers_for(people, "admin")
    seller_headers = headers_for(people, "seller")
    session_headers = headers_for(people, "session")

    # The large partner's opportunities, filtered by category and status.
    list_filter = "category=microsoft&status=active"
    matching = sql(
        "SELECT count(*) FROM opportunities_opportunity WHERE partner_id = %s "
        "AND category = 'microsoft' AND status = 'active'",
        [LARGE_PARTNER_ID],
    )[0][0]
    deep_page = max(1, int(matching / 50 * 0.9))
    detail_id = sql(
        "SELECT o.id FROM opportunities_opportunity o WHERE o.partner_id = %s AND "
        "o.category = 'microsoft' AND (SELECT count(*) FROM opportunities_lead l "
        "WHERE l.opportunity_id = o.id) = 2 ORDER BY o.id DESC LIMIT 1",
        [LARGE_PARTNER_ID],
    )[0][0]
    detail_few = sql(
        "SELECT o.id FROM opportunities_opportunity o WHERE o.partner_id = %s AND "
        "o.category = 'private' AND NOT EXISTS (SELECT 1 FROM opportunities_lead l "
        "WHERE l.opportunity_id = o.id) ORDER BY o.id DESC LIMIT 1",
        [LARGE_PARTNER_ID],
    )[0][0]
    reads = [
        (
            f"opportunities list, large partner, first page ({matching:,} match)",
            f"/api/v1/opportunities/?{list_filter}",
            admin_headers,
        ),
        (
            f"opportunities list, large partner, deep page {deep_page}",
            f"/api/v1/opportunities/?{list_filter}&page={deep_page}",
            admin_headers,
        ),
        (
            "seller lead inbox (received, incoming)",
            "/api/v1/leads/?status=received&direction=incoming",
            seller_headers,
        ),
        (
            "opportunity detail page (HTML, session)",
            f"/opportunities/{detail_id}/",
            session_headers,
        ),
    ]

    reads = [read for read in reads if args.only in read[0]]

    log("\nCapturing the SQL each request issues (in-process, same settings)")
    captured = {}
    explain_out = []
    for name, path, headers in reads:
        result = capture(path, headers)
        if result["status"] != 200:
            raise RuntimeError(f"{path} answered {result['status']}: {result['body'][:500]!r}")
        captured[path] = result["data"]
        log(f"  {path}: {len(result['all'])} queries, {len(result['data'])} data SELECTs kept, "
            f"{result['bytes']:,} bytes")  # fmt: skip
        for statement in result["all"]:
            if statement not in result["data"]:
                log(f"     not in the bare app: {statement[:110]}")
        for statement in result["data"]:
            plan = explain(statement)
            explain_out.append(f"-- {name}\n-- {path}\n{statement}\n\n{plan}\n")
    (RESULTS / "explain.txt").write_text("\n\n".join(explain_out))

    log("\nQuery counts at two sizes (must not grow with rows)")
    counts = []
    for label, small_path, large_path, headers in (
        (
            "opportunities list (page_size 10 / 50)",
            f"/api/v1/opportunities/?{list_filter}&page_size=10",
            f"/api/v1/opportunities/?{list_filter}&page_size=50",
            admin_headers,
        ),
        (
            "lead inbox (page_size 10 / 50)",
            "/api/v1/leads/?status=received&direction=incoming&page_size=10",
            "/api/v1/leads/?status=received&direction=incoming&page_size=50",
            seller_headers,
        ),
        (
            "opportunity detail page (0 leads / 2 leads)",
            f"/opportunities/{detail_few}/",
            f"/opportunities/{detail_id}/",
            session_headers,
        ),
    ):
        few, many = capture(small_path, headers), capture(large_path, headers)
        row = {
            "endpoint": label,
            "queries_small": len(few["all"]),
            "queries_large": len(many["all"]),
            "grows": len(many["all"]) > len(few["all"]),
        }
        counts.append(row)
        log(f"  {label:<46} {row['queries_small']:>3} / {row['queries_large']:>3} queries"
            f"{'  GROWS' if row['grows'] else ''}")  # fmt: skip

    bare_file = RESULTS / "bare_queries.json"
    bare_file.write_text(json.dumps(captured, indent=1))
    me = fixed_cost.prepare(admin_headers)
    env_bare = {
        **env,
        "BENCH_BARE_QUERIES": str(bare_file),
        "BENCH_BARE_BODIES": me["BENCH_BARE_BODIES"],
    }
    log(f"\nHTTP: portal (gunicorn cosell.wsgi :{DJANGO_PORT}) against bare app (gunicorn "
        f":{BARE_PORT}), both {' '.join(GUNICORN_ARGS)}")  # fmt: skip
    with (
        Gunicorn("cosell.wsgi", DJANGO_PORT, env),
        Gunicorn("bench.bare_wsgi", BARE_PORT, env_bare),
    ):
        for name, path, headers in reads:
            try:
                portal, bare = time_pair(path, headers, args.runs)
            except RuntimeError as exc:  # report it and go on with the other scenarios
                log(f"  !! {name}: {exc}")
                results.rows.append(
                    {"scenario": name, "median_ms": None, "p95_ms": None,
                     "limit_median_ms": None, "ratio": None, "target": 2.5,
                     "met": False, "error": str(exc)[:300], "path": path}
                )  # fmt: skip
                continue
            results.add(name, portal, bare, 2.5, path=path)
        if args.only:
            log("\n" + results.table())
            return 0
        list_path = f"/api/v1/opportunities/?{list_filter}"
        ports = {"portal_port": DJANGO_PORT, "bare_port": BARE_PORT}
        fixed_cost.run(results, admin_headers, args.runs * 3, queries=me["queries"])
        concurrency.throughput(
            results, "list", list_path, admin_headers, seconds=args.load_seconds,
            rounds=args.load_rounds, **ports,
        )  # fmt: skip
        concurrency.throughput(
            results, "/api/v1/me/", fixed_cost.PATH, admin_headers, clients=(8,),
            seconds=args.load_seconds, rounds=args.load_rounds, share_target=None, **ports,
        )  # fmt: skip
    me["profile"] = fixed_cost.profile(admin_headers)
    log(f"\n{fixed_cost.PATH} in process: {me['profile']}")

    jobs = set(args.jobs.split(",")) if args.jobs else {"expire", "badge", "reevaluate", "csv"}
    if not args.skip_jobs:
        if "expire" in jobs:
            job_lead_expiry(results, args.job_reps)
        if "badge" in jobs:
            job_badge_propagation(results, args.job_reps)
        reevaluate_reps = 1 if size.name == "default" else args.job_reps
        if "reevaluate" in jobs:
            job_reevaluate(results, reevaluate_reps)
        if "csv" in jobs:
            csv_import.csv_import(results, args.job_reps, log)

    log("\n" + results.table())
    output = RESULTS / "latest.json"
    output.write_text(json.dumps(results.rows, indent=2, default=str))
    (RESULTS / f"run-{size.name}.json").write_text(
        json.dumps(
            {
                "size": size.name,
                "machine": info,
                "gunicorn": GUNICORN_ARGS,
                "results": results.rows,
                "query_counts": counts,
                "me_profile": me["profile"],
            },
            indent=2,
            default=str,
        )
    )
    log(f"Wrote {output} and {RESULTS / 'explain.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
