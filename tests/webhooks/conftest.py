"""A real HTTP receiver on 127.0.0.1 that records what Cosell sends, and an endpoint for it."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cosell.core import clock
from cosell.webhooks import services


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["Cosell-Event-Id"]

    def signed_with(self, secret: str, header: str = "Cosell-Signature") -> bool:
        """The guide's check of the Cosell signature (or of ``Cosell-Signature-Previous``)."""
        timestamp = self.headers["Cosell-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest("sha256=" + expected, self.headers.get(header, ""))


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer with, in order; 200 once they run out.
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/cosell?src=test"


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    state = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            state.requests.append(Received(headers=dict(self.headers.items()), body=body))
            status = state.statuses.pop(0) if state.statuses else 200
            reply = json.dumps({"ok": status < 300, "path": self.path}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server


@pytest.fixture
def make_receiver():
    """Start as many receivers as a test needs; all stop at its end."""
    servers = []

    def make() -> Receiver:
        state, server = start_receiver()
        servers.append(server)
        return state

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(make_receiver):
    return make_receiver()


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    return settings


@pytest.fixture
def endpoint(partner_admin, receiver, allow_private):
    return services.endpoint_create(
        partner=partner_admin.partner,
        actor=partner_admin,
        url=receiver.url,
        events=["lead.created", "lead.accepted", "opportunity.updated"],
        now=clock.now(),
    )
