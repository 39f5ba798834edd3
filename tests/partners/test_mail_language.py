"""Mail is written in each person's language."""

import pytest
from django.core import mail
from django.test import Client

from offers import tasks as offer_tasks
from offers.models import CoSellStatus
from tests.offers.factories import OfferFactory
from tests.partners.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_switcher_remembers_the_language_for_mail(partner_user, client_for):
    client_for(partner_user).post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    partner_user.refresh_from_db()
    assert partner_user.language == "zh-hans"


def test_an_unknown_language_is_not_remembered(partner_user, client_for):
    client = client_for(partner_user)
    partner_user.refresh_from_db()
    before = partner_user.language
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    partner_user.refresh_from_db()
    assert partner_user.language == before != "xx"


def test_login_remembers_the_browsers_language_once(partner_user, password):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    client.post("/accounts/login/", {"username": partner_user.username, "password": password})
    partner_user.refresh_from_db()
    assert partner_user.language == "zh-hans"
    # A later login from an English browser keeps the language the person has.
    Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": partner_user.username, "password": password}
    )
    partner_user.refresh_from_db()
    assert partner_user.language == "zh-hans"


def test_status_mail_reaches_each_admin_in_their_language(partner, partner_admin):
    chinese_admin = MembershipFactory(
        partner=partner, role="admin", user=UserFactory(username="li", language="zh-hans")
    ).user
    offer = OfferFactory(partner=partner, name="Insight", co_sell_status=CoSellStatus.CO_SELL_READY)
    mailed = offer_tasks.offer_status_notify(
        offer.pk, CoSellStatus.NOT_READY, CoSellStatus.CO_SELL_READY
    )
    assert mailed == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert by_recipient[partner_admin.email].subject == "Insight is now: Co-sell ready"
    assert by_recipient[chinese_admin.email].subject == "Insight 现在的状态：已做好联合销售准备"


def test_the_language_chosen_is_kept_across_logins_and_browsers(partner_user, password):
    first = Client(HTTP_ACCEPT_LANGUAGE="en")
    first.post("/accounts/login/", {"username": partner_user.username, "password": password})
    first.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    first.post("/accounts/logout/")
    # Another browser, which asks for English and has no language cookie.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = other.post(
        "/accounts/login/", {"username": partner_user.username, "password": password}
    )
    assert response.cookies["django_language"].value == "zh-hans"
    page = other.get("/", follow=True)
    assert '<html lang="zh-hans">' in page.content.decode()


def test_a_language_guessed_from_a_browser_does_not_follow_the_person(partner_user, password):
    Client(HTTP_ACCEPT_LANGUAGE="zh-CN").post(
        "/accounts/login/", {"username": partner_user.username, "password": password}
    )
    partner_user.refresh_from_db()
    assert partner_user.language == "zh-hans" and not partner_user.language_chosen
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = english.post(
        "/accounts/login/", {"username": partner_user.username, "password": password}
    )
    assert "django_language" not in response.cookies
    assert '<html lang="en">' in english.get("/", follow=True).content.decode()
