"""Microsoft's connector definition is the test of record: a bounded, schema-driven run of it
(schemathesis, Swagger 2.0, the vendored file unchanged) against the portal, as a partner admin
with deals of every kind. No 5xx, and every body the definition describes validates against it.

Status codes are not checked against the definition: the portal also answers 409 (a move the
state refuses) and 412 (a stale If-Match), which partner-center.md names and the definition
leaves out. Driven in-process through the WSGI app, so requests share the test's transaction.
"""

import hashlib
import json
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from cosell.wsgi import application
from opportunities.models import Lead
from tests.partnercenter.conftest import token_for

pytestmark = pytest.mark.django_db
DEFINITION = Path(__file__).parent / "data" / "apiDefinition.swagger.json"
SHA256 = "d70ba0fdeb59c638ad60eca2a6b39b710d35f5a777099af546eea9522148f243"
EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance]


def definition() -> dict:
    assert DEFINITION.exists(), (
        f"{DEFINITION} is missing: vendor Microsoft's connector definition there unchanged "
        "(see the README.md beside it)."
    )
    raw = DEFINITION.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHA256, "the vendored definition was changed"
    return json.loads(raw)


def test_the_vendored_definition_is_microsofts_unchanged():
    document = definition()
    assert document["swagger"] == "2.0"
    assert document["basePath"] == "/v1.0/engagements/"
    assert set(document["paths"]) == {
        "/referrals",
        "/referrals/{id}",
        "/referrals/{id}/",
        "/referrals/{id}//",
    }


@pytest.fixture
def keep_connection():
    """As Django's test client does: requests must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _ids(partner_admin, deals) -> list[str]:
    ids = [f"opportunity-{deal.pk}" for deal in deals.values()]
    ids += [f"lead-{pk}" for pk in Lead.objects.values_list("pk", flat=True)]
    return ids


def test_the_connector_definition_holds_against_the_portal(partner_admin, deals, keep_connection):
    loaded = schemathesis.openapi.from_dict(definition())
    loaded.app = application
    headers = {"Authorization": f"Bearer {token_for(partner_admin)}"}
    ids = _ids(partner_admin, deals)
    failures, calls = [], []
    for result in loaded.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:

            @seed(20261130)
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
                if case.path_parameters and "id" in case.path_parameters and len(calls) % 2:
                    # Half the cases name a real referral, so more than 404s are exercised.
                    case.path_parameters["id"] = ids[len(calls) % len(ids)]
                response = case.call(headers=headers, base_url="http://testserver/v1.0/engagements")
                calls.append((operation.label, response.status_code))
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                fuzz()
            except Unsatisfiable:
                pass
            except Exception as exc:  # collect every operation's failure, then report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    statuses = {code for _label, code in calls}
    assert 200 in statuses and 404 in statuses and 400 in statuses, sorted(statuses)
    assert len(calls) > 30
