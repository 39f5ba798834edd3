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
from opportunities.leads.models import Lead
from tests.partnercenter.conftest import token_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "var" / "partner-center" / "apiDefinition.swagger.json"
SHA256 = "d70ba0fdeb59c638ad60eca2a6b39b710d35f5a777099af546eea9522148f243"
EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance]


def definition() -> dict:
    assert DEFINITION.exists(), (
        f"{DEFINITION} is missing: run scripts/partner_center_connector.py (make test does), "
        "which places Microsoft's connector definition there unchanged."
    )
    raw = DEFINITION.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHA256, "not the pinned connector definition"
    return json.loads(raw)


def test_the_definition_is_microsofts_unchanged():
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


# --- every documented operation with valid input: each answer validates against the Referral --


def _referral_validator(document: dict):
    from jsonschema import Draft4Validator

    name = "Microsoft.Partner.Service.PartnerReferrals.Contracts.V3.Referral"
    return Draft4Validator({**document, "$ref": f"#/definitions/{name}"})


@pytest.fixture
def registrable(partner, partner_admin, seller):
    """A won co-sell deal that meets every registration rule today."""
    from datetime import timedelta

    from cosell.core import clock
    from offers.models import CoSellStatus
    from tests.offers.factories import OfferFactory
    from tests.registrations.conftest import make_deal

    offer = OfferFactory(
        partner=partner, co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE, solution_areas=["data_ai"]
    )
    seller.seller.solution_areas = ["data_ai"]
    seller.seller.save()
    now = clock.now()
    return make_deal(
        partner, partner_admin, seller, offer, created=now - timedelta(days=6), won_at=now
    )


def test_every_documented_operation_answers_within_microsofts_schema(
    partner_admin, deals, registrable, keep_connection
):
    from datetime import timedelta

    from cosell.core import clock

    document = definition()
    validator = _referral_validator(document)
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    operations = {}
    for result in loaded.get_all_operations():
        operation = result.ok()
        operations[operation.definition.raw["operationId"]] = operation
    auth = {
        "Authorization": f"Bearer {token_for(partner_admin)}",
        "content-type": "application/json",
    }
    problems = []

    def call(operation_id, expected, *, referral=None, body=None, query=None, headers=None):
        operation = operations[operation_id]
        kwargs = {"headers": {**auth, **(headers or {})}, "query": query or {}}
        if referral is not None:
            kwargs["path_parameters"] = {"id": referral}
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        case = operation.Case(**kwargs)
        response = case.call(base_url="http://testserver/v1.0/engagements")
        label = f"{operation_id} {referral or ''} {json.dumps(body)[:80] if body else ''}"
        if response.status_code != expected:
            problems.append(f"{label}: {response.status_code} {response.text[:200]}")
            return None
        if response.status_code == 200:
            data = response.json()
            items = data.get("value", [data])
            for item in items:
                for error in validator.iter_errors(item):
                    problems.append(f"{label}: {error.message} at {list(error.absolute_path)}")
            return data
        return None

    ids = _ids(partner_admin, deals)
    for query in (
        {},
        {"$filter": "type eq 'Shared'", "$count": "true", "$top": 2},
        {"$select": "id,eTag"},
    ):
        call("GetAllReferrals", 200, query=query)
    for referral in ids:
        call("GetReferralById", 200, referral=referral)
    created = call(
        "CreateReferral",
        200,
        body={
            "name": "Contract deal",
            "type": "Shared",
            "externalReferenceId": "CONTRACT-1",
            "customerProfile": {"name": "Contract customer", "address": {"country": "US"}},
            "consent": {"consentToToShareInfoWithOthers": True, "consentToContact": True},
            "details": {
                "dealValue": 1000,
                "currency": "USD",
                "requirements": {"solutions": [{"name": "Azure"}]},
            },
            "inviteContext": {"assistanceRequestCode": "GeneralOrOther"},
            "target": [{"type": "BusinessProfileLocation", "id": "msft"}],
        },
    )
    referral = created["id"] if created else ids[0]
    path_values = {
        "/campaignId": ("C-1", 400),
        "/referralProgram": ("P", 400),
        "/consent/consentToShareReferralWithMicrosoftSellers": (True, 200),
        "/customerProfile/team": (
            [{"firstName": "Sue", "lastName": "Smith", "email": "s@x.example"}],
            200,
        ),
        "/customerProfile/team/-": ({"firstName": "Joe", "email": "j@x.example"}, 400),
        "/details/closingDateTime": ("2027-01-15T00:00:00Z", 200),
        "/details/currency": ("EUR", 200),
        "/details/dealValue": ("10000", 200),
        "/details/notes": ("Lorem ipsum", 200),
        "/details/requirements/solutions": ([{"name": "SQL"}], 200),
        "/details/requirements/solutions/-": ({"id": "Teams"}, 200),
        "/externalReferenceId": ("CONTRACT-2", 200),
        "/salesStage": ("Propose", 200),
        "/team": ([{"email": partner_admin.email}], 200),
        "/team/-": ({"email": partner_admin.email}, 200),
        "/statusReason": ("why", 400),
    }
    enum = document["definitions"][
        "Microsoft.Partner.Service.PartnerReferrals.Contracts.V3.UpdateReferralDetails"
    ]["items"]["properties"]["path"]["enum"]
    assert set(enum) - {"/status", "/substatus"} == set(path_values)
    prefer = {"Prefer": "return=representation"}
    for path, (value, expected) in path_values.items():
        op = "add" if path.endswith("/-") else "replace"
        body = [{"op": op, "path": path, "value": value}]
        call("PatchReferralById", expected, referral=referral, body=body, headers=prefer)
    current = call("GetReferralById", 200, referral=referral)
    call(
        "UpdateReferralById",
        200,
        referral=referral,
        body={**current, "name": "Renamed"},
        headers={"if-match": current["eTag"]},
    )
    won = [
        {"op": "replace", "path": "/status", "value": "Closed"},
        {"op": "replace", "path": "/substatus", "value": "Lost"},
        {"op": "replace", "path": "/statusReason", "value": "Customer didn't respond"},
    ]
    call("PatchReferralById", 200, referral=referral, body=won, headers=prefer)
    # Deal registration on an eligible won deal, then its updates, path by path.
    today = clock.now().date()
    registration = {
        "type": "AzureIPCoSell",
        "contract": {
            "currency": "USD",
            "term": "Finite",
            "value": 100000,
            "signDateTime": f"{today}T00:00:00Z",
            "startDateTime": f"{today}T00:00:00Z",
            "endDateTime": f"{today + timedelta(days=365)}T00:00:00Z",
        },
        "solutionDetails": [
            {
                "currency": "USD",
                "value": 60000,
                "isDeployedOnAzure": True,
                "primaryDeploymentOn": "Customer",
                "pricingModel": "Other",
                "marketplaceTransactionDetails": {"isMarketplaceTransacted": False},
            }
        ],
    }
    deal = f"opportunity-{registrable.pk}"
    add = [{"op": "add", "path": "/registrations/-", "value": registration}]
    call("CreateDealRegistrationByReferralId", 200, referral=deal, body=add, headers=prefer)
    market = "/registrations/0/solutionDetails/0/marketplaceTransactionDetails"
    updates = {
        "/registrations/0/contract/startDateTime": f"{today}T00:00:00Z",
        "/registrations/0/contract/endDateTime": f"{today + timedelta(days=700)}T00:00:00Z",
        "/registrations/0/contract/signDateTime": f"{today}T00:00:00Z",
        "/registrations/0/contract/term": "Finite",
        "/registrations/0/contract/value": 110000,
        "/registrations/0/solutionDetails/0/value": 70000,
        "/registrations/0/solutionDetails/0/currency": "USD",
        "/registrations/0/solutionDetails/0/isDeployedOnAzure": True,
        "/registrations/0/solutionDetails/0/primaryDeploymentOn": "Partner",
        "/registrations/0/solutionDetails/0/pricingModel": "Other",
        f"{market}/isMarketplaceTransacted": True,
        f"{market}/marketplaceTransactionDateTime": f"{today}T00:00:00Z",
    }
    enum = document["definitions"][
        "Microsoft.Partner.Service.PartnerReferrals.Contracts.V3.UpdateDealRegistration"
    ]["items"]["properties"]["path"]["enum"]
    assert set(enum) == set(updates)
    for path, value in updates.items():
        body = [{"op": "replace", "path": path, "value": value}]
        if path.endswith("isMarketplaceTransacted"):  # a transaction needs its date
            body.append(
                {
                    "op": "replace",
                    "path": path.replace(
                        "isMarketplaceTransacted", "marketplaceTransactionDateTime"
                    ),
                    "value": f"{today}T00:00:00Z",
                }
            )
        call("PatchDealRegistrationByReferralId", 200, referral=deal, body=body, headers=prefer)
    assert not problems, "\n".join(problems)
