"""The registration API as every persona, with every status code it answers."""

import json
from unittest import mock

import pytest

from cosell.core import clock
from registrations.models import DealRegistration

from .conftest import NOW, form


def body(**changes):
    data = form(**changes)
    return {
        k: (str(v) if v is not None and not isinstance(v, bool) else v) for k, v in data.items()
    }


@pytest.fixture(autouse=True)
def at_now():
    with mock.patch.object(clock, "now", return_value=NOW):
        yield


def post(client, url, data=None, **headers):
    return client.post(
        url,
        json.dumps(data) if data is not None else "",
        content_type="application/json",
        headers=headers,
    )


def test_checklist_and_registration_for_the_partner(client_for, deal, partner_admin):
    client = client_for(partner_admin)
    url = f"/api/v1/opportunities/{deal.pk}/registration/"
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.json()["eligible"] is True
    assert answer.json()["checklist"][0]["code"] == "won"
    assert answer.json()["registration"] is None
    created = post(client, url, body())
    assert created.status_code == 201, created.json()
    assert created.json()["state"] == "approved"
    assert created["ETag"] == f'"r{created.json()["id"]}-{created.json()["version"]}"'
    again = post(client, url, body())
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    listed = client.get("/api/v1/registrations/?state=approved")
    assert [r["id"] for r in listed.json()["results"]] == [created.json()["id"]]
    assert client.get("/api/v1/registrations/?state=review_pending").json()["results"] == []
    assert client.get("/api/v1/registrations/?state=nonsense").status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"solution_value": "100000.01"}, "solution_value"),
        ({"contract_end_date": None}, "contract_end_date"),
        ({"tenant_type": "moon"}, "tenant_type"),
        ({"total_contract_value": "lots"}, "total_contract_value"),
    ],
)
def test_bad_form_answers_400_naming_the_field(client_for, deal, partner_admin, changes, field):
    answer = post(
        client_for(partner_admin), f"/api/v1/opportunities/{deal.pk}/registration/", body(**changes)
    )
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not DealRegistration.objects.exists()


@pytest.mark.parametrize("payload", [None, [], 5, "text", [1, 2]])
def test_bodies_that_are_not_objects_answer_400(client_for, deal, partner_admin, payload):
    client = client_for(partner_admin)
    answer = client.post(
        f"/api/v1/opportunities/{deal.pk}/registration/",
        json.dumps(payload),
        content_type="application/json",
    )
    assert answer.status_code == 400


def test_other_partners_and_sellers_get_404(
    client_for, deal, other_partner_admin, seller, partner_admin
):
    post(client_for(partner_admin), f"/api/v1/opportunities/{deal.pk}/registration/", body())
    registration = DealRegistration.objects.get()
    for user in (other_partner_admin, seller):
        client = client_for(user)
        assert client.get(f"/api/v1/opportunities/{deal.pk}/registration/").status_code == 404
        assert (
            post(client, f"/api/v1/opportunities/{deal.pk}/registration/", body()).status_code
            == 404
        )
        assert client.get(f"/api/v1/registrations/{registration.pk}/").status_code == 404
        assert post(client, f"/api/v1/registrations/{registration.pk}/close/").status_code == 404
        assert client.get("/api/v1/registrations/").json()["results"] == []
    assert DealRegistration.objects.get().state == "approved"


def test_the_reviewers_moves_through_the_api(client_for, deal, partner_admin, admin_user):
    partner = client_for(partner_admin)
    created = post(
        partner,
        f"/api/v1/opportunities/{deal.pk}/registration/",
        body(pricing_model="pay_as_you_go"),
    ).json()
    pk = created["id"]
    assert created["state"] == "review_pending"
    own = post(partner, f"/api/v1/registrations/{pk}/pass/", {})
    assert own.status_code == 403  # a partner cannot pass its own registration
    reviewer = client_for(admin_user)
    assert reviewer.get(f"/api/v1/opportunities/{deal.pk}/registration/").status_code == 200
    missing = post(reviewer, f"/api/v1/registrations/{pk}/request_action/", {})
    assert missing.status_code == 400 and "message" in missing.json()["errors"]
    stale = post(
        reviewer,
        f"/api/v1/registrations/{pk}/fail/",
        {"message": "x"},
        **{"If-Match": f'"r{pk}-999"'},
    )
    assert stale.status_code == 412
    asked = post(
        reviewer,
        f"/api/v1/registrations/{pk}/request_action/",
        {"message": "PO?"},
        **{"If-Match": f'"r{pk}-{created["version"]}"'},
    )
    assert asked.status_code == 200 and asked.json()["state"] == "action_required"
    conflict = post(reviewer, f"/api/v1/registrations/{pk}/pass/", {})
    assert conflict.status_code == 409
    answered = post(partner, f"/api/v1/registrations/{pk}/resubmit/", {"answer": "Attached."})
    assert answered.json()["state"] == "review_pending"
    passed = post(reviewer, f"/api/v1/registrations/{pk}/pass/", {"message": ""})
    assert passed.json()["state"] == "review_passed"
    closed = post(partner, f"/api/v1/registrations/{pk}/close/")
    assert closed.json()["state"] == "closed"
    assert reviewer.get("/api/v1/registrations/?state=closed").json()["count"] == 1


def test_exception_request_and_answer(
    client_for, deal, partner_admin, admin_user, other_partner_admin
):
    deal.customer_account = "other"
    deal.save()
    partner = client_for(partner_admin)
    url = f"/api/v1/opportunities/{deal.pk}/registration/exception/"
    too_long = post(partner, url, {"reason": "x" * 5001})
    assert too_long.status_code == 400 and "reason" in too_long.json()["errors"]
    assert post(client_for(other_partner_admin), url, {"reason": "Mine?"}).status_code == 404
    created = post(partner, url, {"reason": "Managed by our Microsoft contact."})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert post(partner, f"/api/v1/registrations/exceptions/{pk}/grant/", {}).status_code == 403
    granted = post(client_for(admin_user), f"/api/v1/registrations/exceptions/{pk}/grant/", {})
    assert granted.json()["state"] == "granted"
    registered = post(partner, f"/api/v1/opportunities/{deal.pk}/registration/", body())
    assert registered.status_code == 201 and registered.json()["state"] == "review_pending"


def test_customer_account_set_by_the_partner_confirmed_by_the_seller(
    client_for, deal, partner_admin, seller, other_partner_admin
):
    url = f"/api/v1/opportunities/{deal.pk}/customer-account/"
    assert post(client_for(partner_admin), url, {"customer_account": "nope"}).status_code == 400
    assert (
        post(client_for(other_partner_admin), url, {"customer_account": "other"}).status_code == 404
    )
    assert post(client_for(seller), url, {"customer_account": "other"}).status_code == 403
    confirm = f"/api/v1/opportunities/{deal.pk}/customer-account/confirm/"
    assert post(client_for(partner_admin), confirm).status_code == 403
    answer = post(client_for(seller), confirm)
    assert answer.status_code == 200 and answer.json()["customer_account_confirmed"] is True
    detail = client_for(partner_admin).get(f"/api/v1/opportunities/{deal.pk}/")
    assert detail.json()["customer_account"] == "microsoft_managed"


def test_the_schema_documents_the_registration_api(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/opportunities/{id}/registration/"]) >= {"get", "post"}
    for action in ("pass", "fail", "request_action", "resubmit", "close"):
        responses = paths[f"/api/v1/registrations/{{id}}/{action}/"]["post"]["responses"]
        assert {"200", "400", "403", "404", "409"} <= set(responses)


def test_customer_account_writes_honour_if_match(client_for, deal, partner_admin, seller):
    url = f"/api/v1/opportunities/{deal.pk}/customer-account/"
    stale = post(
        client_for(partner_admin),
        url,
        {"customer_account": "other"},
        **{"If-Match": f'"{deal.pk}-{deal.version - 1}"'},
    )
    assert stale.status_code == 412
    deal.refresh_from_db()
    assert deal.customer_account == "microsoft_managed"
    fresh = post(
        client_for(partner_admin), url, {"customer_account": "other"}, **{"If-Match": deal.etag}
    )
    assert fresh.status_code == 200
