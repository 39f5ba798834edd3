"""Throughput under concurrency: wrk against the portal and the bare app, at 8 and 32 clients.

``make bench`` installs wrk (Debian's package, ``scripts/ensure_bench_tools.sh``); without it a
threaded Python client stands in (and says so in the row's ``tool``). A Lua script counts the
non-2xx answers; socket errors (connect, read, write, timeout) count as errors too. The portal
and the bare app are loaded one after the other, alternating, ``rounds`` times per client count
(noise on a shared machine hits both alike); the row keeps the median round.
"""

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, total, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
# The share of the bare app's throughput the portal must reach (issue 17: 60% at 8 clients).
SHARE_TARGET = {8: 0.6, 32: None}


def wrk_load(port: int, path: str, headers: dict[str, str], seconds: int, clients: int) -> dict:
    """``clients`` concurrent connections for ``seconds``: wrk, or Python threads without it."""
    wrk = shutil.which("wrk")
    if not wrk:
        return python_load(port, path, headers, seconds, clients)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    threads = min(2, clients)
    command = [wrk, f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s"]
    command += ["-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    stats = json.loads(output.split("BENCH ", 1)[1].splitlines()[0])
    return {
        "tool": f"wrk -t{threads} -c{clients}",
        "rps": round(stats["requests"] / (stats["duration_us"] / 1e6), 1),
        "requests": stats["requests"],
        "errors": stats["non2xx"] + stats["socket_errors"],
        "non2xx": stats["non2xx"],
        "socket_errors": stats["socket_errors"],
        "p50_ms": stats["p50_us"] / 1000,
        "p95_ms": stats["p95_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
    }


def drain(port: int, path: str, headers: dict[str, str]) -> None:
    """Wait for the requests a previous load left queued (wrk stops, the server does not): one
    request answered after them."""
    from .run import http_get

    http_get(port, path, headers)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def python_load(port: int, path: str, headers: dict[str, str], seconds: int, clients: int) -> dict:
    from .run import http_get

    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        while time.perf_counter() < deadline:
            try:
                status, _, elapsed = http_get(port, path, headers)
            except OSError:
                status, elapsed = 0, 0.0
            with lock:
                times.append(elapsed)
                if not 200 <= status < 300:
                    errors[0] += 1

    workers = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    duration = time.perf_counter() - started
    return {
        "tool": f"python threads x{clients} (wrk not installed)",
        "rps": round(len(times) / duration, 1),
        "requests": len(times),
        "errors": errors[0],
        "p50_ms": round(_percentile(times, 0.5) * 1000, 2),
        "p95_ms": round(_percentile(times, 0.95) * 1000, 2),
        "p99_ms": round(_percentile(times, 0.99) * 1000, 2),
    }


def throughput(
    results,
    label: str,
    path: str,
    headers: dict[str, str],
    *,
    portal_port: int,
    bare_port: int,
    seconds: int,
    clients: tuple[int, ...] = (8, 32),
    rounds: int = 1,
    share_target: float | str | None = "default",
) -> list[dict]:
    """Rows "<label> throughput, N clients": the portal's req/s as a share of the bare app's.

    ``ratio`` is bare req/s over portal req/s (lower is better, like every other ratio), and
    ``target`` its ceiling (1 / the share target: 1.67 for 60%), or None where only errors
    count; ``met`` also needs 0 errors.
    """
    from .run import log

    rows = []
    for n in clients:
        log(f"\nLoad: {n} concurrent clients for {seconds} s on {path} ({rounds} round(s))")
        portal_runs, bare_runs = [], []
        for round_ in range(rounds):
            drain(portal_port, path, headers)
            portal_runs.append(wrk_load(portal_port, path, headers, seconds, n))
            drain(bare_port, path, {})
            bare_runs.append(wrk_load(bare_port, path, {}, seconds, n))
            p, b = portal_runs[-1], bare_runs[-1]
            log(f"  round {round_ + 1}: portal {p['rps']} req/s ({p['errors']} errors, p99 "
                f"{p['p99_ms']} ms); bare {b['rps']} req/s ({b['errors']} errors, p99 "
                f"{b['p99_ms']} ms)")  # fmt: skip
        portal = sorted(portal_runs, key=lambda r: r["rps"])[len(portal_runs) // 2]
        bare = sorted(bare_runs, key=lambda r: r["rps"])[len(bare_runs) // 2]
        errors = sum(r["errors"] for r in portal_runs)
        share = round(portal["rps"] / bare["rps"], 3) if bare["rps"] else None
        wanted = SHARE_TARGET.get(n) if share_target == "default" else share_target
        target = round(1 / wanted, 2) if wanted else None
        ratio = round(bare["rps"] / portal["rps"], 2) if portal["rps"] else None
        met = errors == 0 and (target is None or (ratio is not None and ratio <= target))
        row = {
            "scenario": f"{label} throughput, {n} clients (req/s)",
            "median_ms": portal["p50_ms"],
            "p95_ms": portal["p95_ms"],
            "limit_median_ms": bare["p50_ms"],
            "ratio": ratio,
            "target": target,
            "met": met,
            "path": path,
            "clients": n,
            "rps": portal["rps"],
            "limit_rps": bare["rps"],
            "share": share,
            "share_target": wanted,
            "share_rounds": [
                round(p["rps"] / b["rps"], 3) if b["rps"] else None
                for p, b in zip(portal_runs, bare_runs, strict=True)
            ],
            "errors": errors,
            "limit_errors": sum(r["errors"] for r in bare_runs),
            "p99_ms": portal["p99_ms"],
            "limit_p99_ms": bare["p99_ms"],
            "tool": portal["tool"],
        }
        results.rows.append(row)
        log(f"  -> {row['scenario']}: portal {row['rps']} req/s = {share} of the bare app "
            f"({row['limit_rps']}), {errors} errors, p99 {row['p99_ms']} ms "
            f"(bare {row['limit_p99_ms']} ms)")  # fmt: skip
        rows.append(row)
    return rows
