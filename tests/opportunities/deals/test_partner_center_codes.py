"""Issue 13: Partner Center's codes and words (customer size, decline/lost and error reasons)."""

import importlib

import pytest
from django.apps import apps

from opportunities.deals import services
from opportunities.deals.choices import (
    ERROR_REASON_NUMBER,
    LOST_REASON_NUMBER,
    CustomerSize,
    ErrorReason,
    LostReason,
)
from opportunities.deals.forms import CloseForm
from opportunities.deals.models import Opportunity
from tests.opportunities.conftest import T0, make_opportunity

pytestmark = pytest.mark.django_db

# The Referrals API's customerProfile.size values, as Microsoft's referral docs list them.
PARTNER_CENTER_SIZES = [
    "1to50employees",
    "51to500employees",
    "Morethan500employees",
    "1to9employees",
    "10to50employees",
    "51to250employees",
    "251to1000employees",
    "1001to5000employees",
    "5001to10000employees",
    "10001to20000employees",
    "Morethan20000employees",
]


def test_customer_size_uses_the_referrals_api_values():
    assert CustomerSize.values == PARTNER_CENTER_SIZES


def test_decline_and_lost_reasons_1_to_8_in_partner_centers_order_and_words():
    assert [str(label) for label in LostReason.labels] == [
        "Project budget isn't adequate",
        "Customer didn't respond",
        "Customer chose another vendor",
        "Customer requirement not met",
        "Not a customer",
        "Proposed time line was too short",
        "Report as abuse/spam/phishing",
        "Others",
    ]
    assert LOST_REASON_NUMBER["budget_not_adequate"] == 1 and LOST_REASON_NUMBER["other"] == 8


def test_error_reasons_1_to_9_keep_the_three_duplicates_apart():
    """Fails on the old code: one "duplicate" stood for Partner Center's three."""
    assert ErrorReason.values == [
        "duplicate_bulk_upload",
        "duplicate_in_portal",
        "duplicate_from_microsoft",
        "connector_sync_issue",
        "customer_matching_issue",
        "solution_issue",
        "test_referral",
        "data_error",
        "other",
    ]
    assert ERROR_REASON_NUMBER["duplicate_from_microsoft"] == 3
    assert ERROR_REASON_NUMBER["other"] == 9


def test_the_close_form_offers_every_error_reason_including_other():
    """Fails on the old form: it offered 6 error reasons and not "other"."""
    reason = CloseForm().fields["reason"]
    groups = dict(reason.choices[1:])
    error_group = next(v for k, v in groups.items() if str(k) == "Error")
    assert [code for code, _label in error_group] == ErrorReason.values
    form = CloseForm({"outcome": "error", "reason": "duplicate_from_microsoft"})
    assert form.is_valid(), form.errors


def test_closing_as_error_with_each_partner_center_reason(partner, partner_admin):
    for code in ErrorReason.values:
        opp = make_opportunity(partner, partner_admin, customer_name=f"Customer {code}")
        closed = services.opportunity_close(
            opportunity_id=opp.pk, outcome="error", reason=code, actor=partner_admin, now=T0
        )
        assert closed.close_reason == code
        assert closed.get_close_reason_display() == ErrorReason(code).label


def test_existing_rows_migrate_to_the_new_codes(partner, partner_admin):
    opp = make_opportunity(partner, partner_admin)
    err = make_opportunity(partner, partner_admin, customer_name="Other customer")
    Opportunity.objects.filter(pk=opp.pk).update(customer_size="medium")
    Opportunity.objects.filter(pk=err.pk).update(
        status="error", close_reason="duplicate", customer_size="enterprise"
    )
    migration = importlib.import_module(
        "opportunities.migrations.0004_issue13_partner_center_codes"
    )
    migration.forwards(apps, None)
    assert Opportunity.objects.get(pk=opp.pk).customer_size == "51to500employees"
    err = Opportunity.objects.get(pk=err.pk)
    assert (err.customer_size, err.close_reason) == ("Morethan500employees", "duplicate_in_portal")


def test_the_api_takes_partner_center_sizes(client_for, partner_admin):
    client = client_for(partner_admin)
    body = {
        "category": "private",
        "name": "Sized",
        "customer_name": "Northwind",
        "customer_size": "Morethan20000employees",
        "solutions": [{"kind": "microsoft", "name": "Azure"}],
    }
    ok = client.post("/api/v1/opportunities/", body, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["customer_size"] == "Morethan20000employees"
    bad = client.post(
        "/api/v1/opportunities/",
        {**body, "customer_name": "Other", "customer_size": "large"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "customer_size" in bad.json()["errors"]
