"""Where a webhook may go, and the POST itself.

A target URL is checked on the addresses its host resolves to, at registration and again right
before each delivery; the delivery then connects to the address that was checked (no second DNS
lookup an attacker could answer differently).
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "Cosell-Webhooks/1"


class UnsafeTarget(Exception):
    """The URL is not http(s), does not resolve, or points at an address we never call."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP to connect to


def allow_private_targets() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def address_is_public(value: str) -> bool:
    """Whether an IP address is a public unicast one (IPv4-mapped IPv6 judged as IPv4)."""
    address = ipaddress.ip_address(value.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            address = mapped
        elif address.teredo is not None:
            address = address.teredo[1]
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def resolve(url: str) -> Target:
    """Check ``url`` and resolve its host; raise ``UnsafeTarget`` with a reason a person reads."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(_("This is not a valid URL.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeTarget(_("Only http and https URLs can receive webhooks."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("Put no user name or password in the URL."))
    host = parts.hostname or ""
    if not host:
        raise UnsafeTarget(_("The URL has no host."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeTarget(_("The host %(host)s could not be resolved.") % {"host": host}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeTarget(_("The host %(host)s could not be resolved.") % {"host": host})
    if not allow_private_targets():
        # Every address must be public: a host that also resolves to a private one is refused.
        for address in addresses:
            if not address_is_public(address):
                raise UnsafeTarget(
                    _(
                        "%(host)s resolves to %(address)s, a loopback, link-local, private or "
                        "reserved address; webhooks are only sent to public addresses."
                    )
                    % {"host": host, "address": address}
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


class DeadlineExceeded(TimeoutError):
    """The attempt's total time ran out."""


class _Deadline:
    """Cut a connection when the attempt's total time runs out, whatever it is doing: a
    watchdog shuts the socket down, so a blocked connect, send or read returns at once, however
    slowly the receiver drips bytes (each under the per-operation timeout)."""

    def __init__(self, seconds: float):
        self.expired = threading.Event()
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired.is_set():
                self._shutdown()
                raise DeadlineExceeded("deadline exceeded")

    def _expire(self) -> None:
        with self._lock:
            self.expired.set()
            self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float, deadline: _Deadline):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._deadline = deadline

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self._deadline.watch(self.sock)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float, deadline: _Deadline):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address
        self._deadline = deadline

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self._deadline.watch(sock)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Response:
    status_code: int | None
    body: bytes
    error: str
    duration_ms: int


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    deadline: float | None = None,
) -> Response:
    """POST ``body`` to the checked address; never raises for network trouble.

    ``timeout`` bounds each socket operation; ``deadline`` (seconds, default twice the timeout)
    bounds the whole attempt (connect, send, response), however slowly the receiver answers.
    A status received before the deadline counts even if the body was cut.
    """
    started = time.monotonic()
    total = float(deadline) if deadline is not None else 2 * timeout
    watchdog = _Deadline(total)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=min(timeout, total), deadline=watchdog)
    status_code, data, error = None, b"", ""
    watchdog.start()
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Content-Length": str(len(body)),
                **headers,
            },
        )
        response = connection.getresponse()
        status_code = response.status
        # Read at most the cap; the watchdog cuts a slow drip at the deadline.
        while len(data) < MAX_RESPONSE_BYTES and not watchdog.expired.is_set():
            chunk = response.read1(min(8192, MAX_RESPONSE_BYTES - len(data)))
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        error = "timeout"
    except (OSError, ValueError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        watchdog.cancel()
        connection.close()
    if watchdog.expired.is_set():
        error = f"deadline exceeded ({total:g} s)" + ("; response cut" if status_code else "")
    return Response(
        status_code=status_code,
        body=data,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
