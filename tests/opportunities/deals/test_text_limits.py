"""Free-text fields have documented maximum lengths, enforced in forms, the API and CSV alike
(issue 11, point 3): a partner admin pasting a megabyte into the notes gets the field named."""

import pytest

from cosell.core import clock
from opportunities.deals.choices import NOTES_MAX_LENGTH, SHORT_NOTES_MAX_LENGTH
from opportunities.deals.models import Opportunity
from tests.opportunities.conftest import make_opportunity
from tests.opportunities.deals.test_csv import api_import, csv_text, row

pytestmark = pytest.mark.django_db

TOO_LONG = "n" * (NOTES_MAX_LENGTH + 1)


def test_api_refuses_notes_over_the_limit(client_for, partner, partner_admin):
    deal = make_opportunity(partner, partner_admin, now=clock.now())
    client = client_for(partner_admin)
    url = f"/api/v1/opportunities/{deal.pk}/"
    response = client.patch(url, {"notes": TOO_LONG}, content_type="application/json")
    assert response.status_code == 400
    assert "notes" in response.json()["errors"]
    at_limit = client.patch(url, {"notes": "n" * NOTES_MAX_LENGTH}, content_type="application/json")
    assert at_limit.status_code == 200
    closing = client.post(
        url + "close/",
        {"outcome": "won", "notes": "c" * (SHORT_NOTES_MAX_LENGTH + 1)},
        content_type="application/json",
    )
    assert closing.status_code == 400 and "notes" in closing.json()["errors"]
    assert Opportunity.objects.get(pk=deal.pk).status == "active"


def test_form_refuses_notes_over_the_limit(client_for, partner, partner_admin):
    deal = make_opportunity(partner, partner_admin, now=clock.now())
    response = client_for(partner_admin).post(
        f"/opportunities/{deal.pk}/edit/",
        {
            "name": deal.name,
            "customer_name": deal.customer_name,
            "currency": "USD",
            "notes": TOO_LONG,
            "microsoft_solutions": "Azure",
        },
    )
    assert response.status_code == 400  # the form again, with the error
    assert "notes" in response.context["form"].errors
    assert Opportunity.objects.get(pk=deal.pk).notes == ""


def test_csv_import_refuses_notes_over_the_limit(client_for, partner_admin):
    result = api_import(client_for(partner_admin), csv_text([row(notes=TOO_LONG)]), dry_run=False)
    assert result["result"]["applied"] is False and result["result"]["ok"] is False
    [line] = result["result"]["rows"]
    assert "notes" in line["errors"]
    assert not Opportunity.objects.exists()
