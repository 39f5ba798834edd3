"""The embedded default, the way `make run` runs it: its own PostgreSQL server under var/, the
filesystem broker, no Redis, web + worker + beat under honcho, and one Ctrl-C that stops it all.

Every kind of user logs in, opens the home page and every page it links to, and the API lists:
no answer is a 5xx. This is the path the README opens with, so it runs in the normal suite.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import psycopg
import pytest
import requests

from cosell import embedded_db

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "cosell-demo"
PERSONAS = ["contoso-admin", "contoso-user", "seller", "admin"]
API_LISTS = ["/api/v1/opportunities/", "/api/v1/leads/", "/api/v1/offers/", "/api/v1/me/"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str, base: str) -> set[str]:
    parser = Links()
    parser.feed(html)
    found = set()
    for href in parser.hrefs:
        url = urlparse(urljoin(base, href))
        if url.netloc != urlparse(base).netloc or url.path.startswith("/accounts/logout"):
            continue
        found.add(url.path + (f"?{url.query}" if url.query else ""))
    return found


def log_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        base + "/accounts/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
        timeout=30,
    )
    assert answer.status_code == 200 and "/accounts/login/" not in answer.url, username
    return session


def wait_until_up(base: str, process: subprocess.Popen, log: Path, seconds: int = 240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run's script exited early:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"the portal did not answer within {seconds} s:\n{log.read_text()[-4000:]}")


@pytest.fixture
def scratch():
    """A directory outside pytest's own temporary root, which pytest keeps at mode 0700: as root,
    the wheel runs the server as its own system user, who must be able to reach the data."""
    path = Path(tempfile.mkdtemp(prefix="cosell-embedded-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_make_run_on_the_embedded_default(scratch):
    tmp_path = scratch
    var = tmp_path / "var"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "COSELL_BASE_URL"}
    }
    env.update(COSELL_VAR_DIR=str(var), BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # the recipe of `make run`, in its own session like a terminal
            ["scripts/run.sh"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(base, process, log)
        banner = log.read_text()
        assert f"Cosell on {base}/" in banner  # the address of BIND, not a fixed one
        assert "contoso-admin" in banner  # the demo logins are printed
        assert embedded_db.is_running(var)
        assert (var / "broker" / "control").is_dir()  # every broker folder under var/

        failures = []
        for username in PERSONAS:
            session = log_in(base, username)
            home = session.get(base + "/", timeout=30)
            assert home.status_code == 200, (username, home.status_code)
            to_visit = links_of(home.text, base) | {"/"}
            assert len(to_visit) > 3, (username, to_visit)  # a real home, with navigation
            for path in sorted(to_visit) + API_LISTS:
                answer = session.get(base + path, timeout=30)
                if answer.status_code >= 500:
                    failures.append((username, path, answer.status_code))
            for path in API_LISTS[:3]:
                answer = session.get(base + path, timeout=30)
                if username != "admin":
                    assert answer.status_code == 200, (username, path, answer.status_code)
        assert failures == []
    finally:
        os.killpg(process.pid, signal.SIGINT)  # one Ctrl-C
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            embedded_db.stop(var)
            pytest.fail("one Ctrl-C did not stop make run within 60 s")
    # Everything it started is gone, the database server included...
    assert not embedded_db.is_running(var)
    leftover = subprocess.run(
        ["ps", "-o", "pid=,cmd=", "-g", str(process.pid)], capture_output=True, text=True
    ).stdout.strip()
    assert leftover == ""
    # ...and the data stays for the next run.
    url = embedded_db.start(var)
    try:
        with psycopg.connect(
            host=str(embedded_db.socket_dir(var)), user="postgres", dbname="cosell"
        ) as conn:
            users = conn.execute("SELECT count(*) FROM partners_user").fetchone()[0]
        assert users >= 6
        assert url.endswith("/cosell")
    finally:
        embedded_db.stop(var)


def test_make_test_falls_back_to_the_embedded_server(scratch):
    """With no PostgreSQL answering at DATABASE_URL, `make test`'s script runs the suite on the
    embedded server (and stops it afterwards) instead of installing PostgreSQL."""
    var = scratch / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "COSELL_TEST_EMBEDDED" and not k.startswith("PYTEST_XDIST")
    }
    env.update(
        COSELL_VAR_DIR=str(var),
        DATABASE_URL="postgres://postgres@127.0.0.1:9/cosell",  # nothing listens on port 9
    )
    result = subprocess.run(
        [
            "scripts/test.sh",
            "tests/test_project.py",
            "-k",
            "migrations_are_complete",
            "-q",
            "-p",
            "no:cacheprovider",
            "--numprocesses",
            "0",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "running the suite on the embedded server" in output
    assert "1 passed" in output
    assert (var / "postgres" / "PG_VERSION").exists()
    assert not embedded_db.is_running(var)


def test_settings_without_database_url_point_at_the_embedded_server(scratch):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "COSELL_BASE_URL"}}
    env.update(COSELL_VAR_DIR=str(scratch / "var"), BIND="0.0.0.0:8123")
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['NAME'], d['CONN_MAX_AGE'], s.COSELL_BASE_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "cosell.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    engine, host, name, max_age, base_url = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert host == str((scratch / "var" / "postgres").resolve())
    assert name == "cosell"
    assert int(max_age) > 0
    assert base_url == "http://127.0.0.1:8123"  # links in mail follow BIND


def test_sqlite_is_refused():
    env = dict(
        os.environ, DATABASE_URL="sqlite:///tmp/x.db", DJANGO_SETTINGS_MODULE="cosell.settings"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr
