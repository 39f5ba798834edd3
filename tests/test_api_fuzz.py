"""Every operation of /api/schema/ under a bounded, schema-driven fuzz (schemathesis), as a
partner admin, a Microsoft seller and staff: no 5xx, and every answer as the schema says
(status code, content type, body).

Driven through schemathesis' Python API against the WSGI app in-process, so requests share
the test's database transaction. Bounded: a few valid and a few invalid examples per
operation, a fixed seed, no shrinking, no deadline.
"""

import json
import socket

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cosell.core import clock
from cosell.core.models import ApiToken
from cosell.wsgi import application
from opportunities.deals.choices import Category
from tests.opportunities.conftest import make_opportunity
from tests.opportunities.factories import co_sell_ready_offer

pytestmark = pytest.mark.django_db
EXAMPLES = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = application
    return loaded


def _operations():
    # Partner Center's Referrals API (/v1.0/) is fuzzed against Microsoft's own definition of
    # it, the test of record: tests/partnercenter/test_connector_contract.py.
    operations = [result.ok() for result in _schema().get_all_operations()]
    return [op for op in operations if not op.path.startswith("/v1.0/")]


def token_for(user) -> str:
    raw, key_hash, prefix = ApiToken.generate()
    ApiToken.objects.create(user=user, name="fuzz", key_hash=key_hash, prefix=prefix)
    return raw


@pytest.fixture
def world(partner, partner_admin, other_partner, other_partner_admin, seller, admin_user):
    """Some data for the fuzz to hit: offers, a shared deal, leads both ways."""
    offer = co_sell_ready_offer(partner, name="Fuzz Insights", solution_areas=["data_ai"])
    make_opportunity(partner, partner_admin, now=clock.now(), category=Category.PRIVATE)
    make_opportunity(
        partner,
        partner_admin,
        now=clock.now(),
        category=Category.P2P,
        customer_name="Tailspin",
        invite_partner_ids=[other_partner.pk],
    )
    make_opportunity(
        partner,
        partner_admin,
        now=clock.now(),
        category=Category.MICROSOFT,
        customer_name="Woodgrove",
        offer=offer,
    )
    return {
        "partner_admin": partner_admin,
        "seller": seller,
        "staff": admin_user,
    }


@pytest.fixture
def keep_connection():
    """As Django's test client does: requests must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def no_dns(monkeypatch):
    """Webhook URLs the fuzz invents never reach a real resolver."""
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host in ("127.0.0.1", "localhost", "testserver"):
            return real(host, *args, **kwargs)
        raise socket.gaierror("no DNS in tests")

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("persona", ["partner_admin", "seller", "staff"])
def test_the_api_holds_under_fuzzing(world, persona, no_dns, keep_connection):
    headers = {"Authorization": f"Token {token_for(world[persona])}"}
    failures = []
    for operation, mode in (
        (operation, mode) for operation in _operations() for mode in GenerationMode
    ):

        @seed(20261127)
        @hypothesis_settings(
            max_examples=EXAMPLES,
            phases=[Phase.explicit, Phase.generate],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            fuzz()
        except Unsatisfiable:
            pass  # nothing invalid to send (an operation without parameters or body)
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)


# --- every writable field, and bodies that are not objects (issue 11, point 4) ---------------

NOT_OBJECTS = ["null", "[]", "[{}]", "1", "-1.5", '"text"', "true", "[" * 1000 + "]" * 1000]


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _sample(document: dict, schema: dict, *, bad: bool):
    """A value of the property's type (``bad``: of another type, or with a NUL byte)."""
    schema = _resolve(document, schema)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return _sample(document, schema[combined][0], bad=bad)
    kind = schema.get("type", "string")
    if bad:
        return {"string": 12345, "integer": "a\x00b", "number": "NaN", "boolean": "maybe"}.get(
            kind, "not a " + str(kind)
        )
    if "enum" in schema:
        return next((value for value in schema["enum"] if value), "")
    if kind == "array":
        return [_sample(document, schema.get("items", {}), bad=False)]
    if kind == "object":
        return dict.fromkeys(schema.get("properties", {}), "x")
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind, "x" * 5)


def _write_operations(document: dict):
    for path, methods in document["paths"].items():
        if path.startswith("/v1.0/"):
            continue  # the Referrals API: tests/partnercenter/test_connector_contract.py
        for method, operation in methods.items():
            if method not in ("post", "put", "patch"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield path, method, _resolve(document, content["application/json"]["schema"])


def test_every_writable_field_and_non_object_bodies_as_staff(world, partner, no_dns):
    """Staff may write the most: every operation with a JSON body gets every property of its
    schema (well-typed, then ill-typed) and bodies that are not objects. No 5xx; every refusal
    in the API's error shape without Python reprs."""
    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    from django.test import Client

    from opportunities.deals.models import Opportunity
    from opportunities.leads.models import Lead

    ids = {
        "opportunities": Opportunity.objects.values_list("pk", flat=True).first(),
        "leads": Lead.objects.values_list("pk", flat=True).first(),
        "offers": partner.offers.values_list("pk", flat=True).first(),
        "partners": partner.pk,
    }
    client = Client(HTTP_AUTHORIZATION=f"Token {token_for(world['staff'])}")
    failures, seen_partner_id = [], False
    for path, method, schema in _write_operations(document):
        resource = path.removeprefix("/api/v1/").split("/", 1)[0]
        url = path
        for name in ("offer_pk", "id"):
            url = url.replace("{" + name + "}", str(ids.get(resource) or 1))
        properties = schema.get("properties", {})
        writable = {
            n: p for n, p in properties.items() if not _resolve(document, p).get("readOnly")
        }
        seen_partner_id |= resource == "partners" and "partner_id" in writable
        bodies = [
            json.dumps({n: _sample(document, p, bad=False) for n, p in writable.items()}),
            json.dumps({n: _sample(document, p, bad=True) for n, p in writable.items()}),
            *NOT_OBJECTS,
        ]
        for body in bodies:
            response = getattr(client, method)(url, body, content_type="application/json")
            label = f"{method.upper()} {url} {body[:80]!r}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(label)
            elif response.status_code >= 400:
                text = response.content.decode(errors="replace")
                if not response["Content-Type"].startswith("application/json"):
                    failures.append(label + " not JSON")
                elif "ErrorDetail" in text or '"status"' not in text:
                    failures.append(label + " " + text[:200])
    assert seen_partner_id, "the partner's PartnerID field was not fuzzed"
    assert not failures, "\n".join(failures)
