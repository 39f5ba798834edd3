"""In Chromium, with the portal's Redis stopped: a person accepts a lead and an admin invites a
member; both pages answer as usual. Once Redis is back, the mails go out."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from cosell.core import clock, periodic
from cosell.core.models import PendingEffect
from cosell.partners.models import Membership
from opportunities.deals.choices import Category
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity
from tests.support.own_redis import drain, own_redis_fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis(tmp_path, settings):
    yield from own_redis_fixture(tmp_path, settings)


def test_browser_writes_answer_with_redis_down_and_mail_follows_when_it_is_back(
    own_redis, pages, partner, partner_admin, other_partner, other_partner_admin, password
):
    lead = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        invite_partner_ids=[other_partner.pk],
        name="Northwind data platform",
        now=clock.now(),
    ).leads.get()
    drain(own_redis)  # what sharing the deal queued goes out before the outage
    mail.outbox.clear()

    oscar, ada = pages(), pages()
    oscar.login("oscar", password)
    ada.login("ada", password)
    own_redis.stop()

    oscar.visit("/leads/", "inbox-redis-down")
    row = oscar.page.locator(f"#lead-{lead.pk}")
    row.get_by_role("button", name=re.compile("^Accept")).click()
    expect(row).to_contain_text("Accepted")
    oscar.shot("accepted-redis-down")
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.ACCEPTED

    ada.visit("/members/invite/", "invite-redis-down")
    form = ada.page.locator("main form")
    form.get_by_label("Email address").fill("nina@contoso.example")
    form.get_by_role("button", name=re.compile("Invite|Send")).click()
    ada.page.wait_for_url(re.compile(r"/members/$"))
    expect(ada.page.locator("#messages")).to_contain_text("nina@contoso.example")
    ada.shot("invited-redis-down")
    assert Membership.objects.filter(user__email="nina@contoso.example").exists()

    assert mail.outbox == []
    assert PendingEffect.objects.filter(status=PendingEffect.Status.PENDING).count() == 2

    own_redis.start()
    later = clock.now() + timedelta(minutes=2)
    periodic.run("effects.deliver", later)
    drain(own_redis)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [partner_admin.email, "nina@contoso.example"]
    )
