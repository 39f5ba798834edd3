"""The registration pages as each persona: the checklist first, the form, the lists, the
reviewers' queue."""

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from cosell.core import clock
from registrations.models import DealRegistration, ExceptionRequest

from .conftest import NOW, form


@pytest.fixture(autouse=True)
def at_now():
    with mock.patch.object(clock, "now", return_value=NOW):
        yield


def form_post(**changes):
    data = form(**changes)
    return {
        k: ("on" if v is True else "" if v in (False, None) else str(v)) for k, v in data.items()
    }


def test_the_partner_registers_a_won_deal_from_its_page(client_for, deal, partner_admin):
    client = client_for(partner_admin)
    detail = client.get(reverse("opportunities:opportunity_detail", args=[deal.pk]))
    assert b"Register this deal" in detail.content
    page = client.get(reverse("registrations:register", args=[deal.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("Eligibility") < text.index("Register the deal")  # the checklist first
    assert text.count('data-met="true"') == 8
    bad = client.post(
        reverse("registrations:register", args=[deal.pk]), form_post(solution_value="200000")
    )
    assert bad.status_code == 400
    assert "at most the total contract value" in bad.content.decode()
    done = client.post(reverse("registrations:register", args=[deal.pk]), form_post())
    assert done.status_code == 302
    assert DealRegistration.objects.get().state == "approved"
    listed = client.get(reverse("registrations:list") + "?state=approved")
    assert deal.name.encode() in listed.content
    dashboard = client.get(reverse("opportunities:dashboard"))
    assert b"Registered value by state" in dashboard.content


def test_an_ineligible_deal_shows_why_and_offers_an_exception(
    client_for, deal, partner_admin, admin_user
):
    deal.customer_account = "other"
    deal.save()
    client = client_for(partner_admin)
    page = client.get(reverse("registrations:register", args=[deal.pk])).content.decode()
    assert 'data-rule="customer_managed" data-met="false"' in page
    assert "Register the deal" not in page
    assert "Ask for an exception" in page
    client.post(
        reverse("registrations:exception_request", args=[deal.pk]),
        {"reason": "Managed in all but name."},
    )
    request = ExceptionRequest.objects.get()
    reviewer = client_for(admin_user)
    queue = reviewer.get(reverse("registrations:review_queue"))
    assert b"Managed in all but name." in queue.content
    reviewer.post(
        reverse("registrations:exception_answer", args=[request.pk, "grant"]), {"message": ""}
    )
    assert ExceptionRequest.objects.get().state == "granted"


def test_the_review_queue_is_for_reviewers_only(
    client_for, deal, partner_admin, admin_user, seller, django_capture_on_commit_callbacks
):
    client = client_for(partner_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registrations:register", args=[deal.pk]),
            form_post(pricing_model="pay_as_you_go"),
        )
    registration = DealRegistration.objects.get()
    assert registration.state == "review_pending"
    assert [m.to for m in mail.outbox if "review" in m.subject.lower()] == [[admin_user.email]]
    for user in (partner_admin, seller):
        assert client_for(user).get(reverse("registrations:review_queue")).status_code == 404
        answer = client_for(user).post(
            reverse("registrations:review_action", args=[registration.pk, "pass"])
        )
        assert answer.status_code == 404
    reviewer = client_for(admin_user)
    assert deal.name.encode() in reviewer.get(reverse("registrations:review_queue")).content
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(
            reverse("registrations:review_action", args=[registration.pk, "request_action"]),
            {"message": "Send the purchase order."},
        )
    assert DealRegistration.objects.get().state == "action_required"
    assert "Send the purchase order." in mail.outbox[0].body
    page = client.get(reverse("registrations:register", args=[deal.pk])).content.decode()
    assert "Send the purchase order." in page
    client.post(reverse("registrations:resubmit", args=[registration.pk]), {"answer": "Attached."})
    assert DealRegistration.objects.get().state == "review_pending"


def test_a_seller_on_the_deal_confirms_the_customer_account(client_for, deal, seller):
    client = client_for(seller)
    page = client.get(reverse("opportunities:opportunity_detail", args=[deal.pk]))
    assert b"Confirm the customer" in page.content
    assert b"Register this deal" not in page.content  # the registration is the partner's
    assert client.get(reverse("registrations:register", args=[deal.pk])).status_code == 404
    client.post(reverse("registrations:customer_account_confirm", args=[deal.pk]))
    deal.refresh_from_db()
    assert deal.customer_account_confirmed_by == seller


def test_chinese_pages(client_for, deal, partner_admin):
    client = client_for(partner_admin)
    page = client.get(
        reverse("registrations:register", args=[deal.pk]), headers={"Accept-Language": "zh-hans"}
    )
    assert page.status_code == 200
    assert "交易注册" in page.content.decode()
