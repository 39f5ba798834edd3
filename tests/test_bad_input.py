"""The inputs the outside test found answering 5xx (issue 11, point 4) answer 400 in the API's
error shape, naming the field, each sent by the persona who would send it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cosell.partners.models import Partner
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status=400, field=None):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert {"status", "code", "detail"} <= set(body)
    assert body["status"] == status
    assert "ErrorDetail" not in json.dumps(body)
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


def deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def test_staff_set_the_partner_id_figure_through_the_api(client_for, admin_user, partner):
    client = client_for(admin_user)
    url = f"/api/v1/partners/{partner.pk}/"
    response = client.patch(url, {"partner_id": "4711001"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Partner.objects.get(pk=partner.pk).partner_id == "4711001"
    response = client.patch(url, {"partner_id": "not digits"}, content_type="application/json")
    assert_error_shape(response, field="partner_id")


def test_staff_set_the_partner_id_in_the_django_admin(client_for, admin_user, partner):
    client = client_for(admin_user)
    url = f"/admin/partners/partner/{partner.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: ("on" if value is True else "" if value is None or value is False else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data = {name: value for name, value in data.items() if value != ""}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    data["partner_id"] = "4711002"
    response = client.post(url, data)
    errors = response.context and response.context["adminform"].form.errors
    assert response.status_code == 302, errors
    assert Partner.objects.get(pk=partner.pk).partner_id == "4711002"


@pytest.mark.parametrize("body", ["null", "[]", "[1, 2]", "42", '"text"', "true"])
def test_a_body_that_is_not_an_object_answers_400(client_for, partner_admin, partner, body):
    offer = OfferFactory(partner=partner)
    response = client_for(partner_admin).patch(
        f"/api/v1/offers/{offer.pk}/", body, content_type="application/json"
    )
    assert_error_shape(response, field="body")


@pytest.mark.parametrize("levels", [100, 1000, 5000])
def test_deeply_nested_json_answers_400_even_unauthenticated(levels):
    response = Client().post("/api/v1/auth/token/", deep(levels), content_type="application/json")
    assert_error_shape(response, field="body")


def test_deeply_nested_json_inside_a_field(client_for, partner_admin):
    body = '{"name": "x", "solutions": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client_for(partner_admin).post(
        "/api/v1/opportunities/", body, content_type="application/json"
    )
    assert_error_shape(response, field="body")


def test_a_nul_byte_in_a_contacts_csv_answers_400(client_for, partner_admin, partner):
    offer = OfferFactory(partner=partner)
    content = b"name,email,job_title,role,countries\nAda\x00,ada@example.com,CTO,sales,US\n"
    response = client_for(partner_admin).post(
        f"/api/v1/offers/{offer.pk}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", content, "text/csv")},
    )
    assert response.status_code == 400, response.content
    assert "NUL" in response.content.decode()
    assert not offer.contacts.exists()


def test_a_6_mb_json_body_answers_in_the_api_error_shape(client_for, partner_admin):
    body = json.dumps({"name": "x" * (6 * 1024 * 1024)})
    response = client_for(partner_admin).post(
        "/api/v1/opportunities/", body, content_type="application/json"
    )
    assert_error_shape(response, field="body")


def test_nested_validation_errors_name_the_field_without_python_reprs(client_for, partner_admin):
    response = client_for(partner_admin).post(
        "/api/v1/opportunities/",
        {
            "category": "private",
            "name": "Data platform",
            "customer_name": "Northwind",
            "solutions": [{"kind": "microsoft", "name": "Azure"}, {"offer_id": "nope"}],
        },
        content_type="application/json",
    )
    body = assert_error_shape(response, field="solutions.1.offer_id")
    assert body["detail"].startswith("solutions.1.offer_id: ")
