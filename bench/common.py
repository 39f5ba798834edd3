"""What the generator and the runner share: sizes, the bench database, the bench's "now"."""

import os
import sys
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
# Every timestamp in the data is relative to this instant; jobs run "for" it. After the badge
# propagation epoch (2026-01-01), so a propagation run is due at 2026-03-02.
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
BADGE_RUN_DUE = datetime(2026, 3, 2, tzinfo=UTC)
BADGE_RUN_NEXT = datetime(2026, 4, 1, tzinfo=UTC)
PASSWORD = "bench-password-0"  # every generated user's (one precomputed hash)
MARKER_TABLE = "bench_marker"


@dataclass(frozen=True)
class Size:
    name: str
    partners: int
    offers: int
    opportunities: int
    leads_per_opportunity: int  # leads = opportunities * this
    sellers: int

    @property
    def leads(self) -> int:
        return self.opportunities * self.leads_per_opportunity

    @property
    def large_partner_opportunities(self) -> int:
        return self.opportunities // 10  # every tenth opportunity is the large partner's


SIZES = {
    "default": Size("default", 20_000, 200_000, 1_000_000, 2, 500),
    "small": Size("small", 2_000, 20_000, 100_000, 2, 50),
}
LARGE_PARTNER_ID = 1  # its admin is user 1


def server_url() -> str:
    """The PostgreSQL server from DATABASE_URL (its database name dropped), or the local one."""
    url = os.environ.get("BENCH_SERVER_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        url, parts = DEFAULT_SERVER, urllib.parse.urlsplit(DEFAULT_SERVER)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def database_name(size: str) -> str:
    return os.environ.get("BENCH_DATABASE") or f"cosell_bench_{size}"


def database_url(size: str, dbname: str | None = None) -> str:
    return f"{server_url()}/{dbname or database_name(size)}"


def libpq(url: str) -> str:
    """psycopg wants postgresql:// (postgres:// works too); keep as is."""
    return url


def django_setup(size: str) -> None:
    """Point Django at the bench database and load it (in this process)."""
    os.environ["DATABASE_URL"] = database_url(size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cosell.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
