"""With the Content-Security-Policy (only the portal's own scripts and styles) every page still
works: confirmations, the language switch, the admin and the API docs (issue 11, point 3).
The ``pages`` fixture fails the test on any CSP violation in the console."""

import re

import pytest

from cosell.core import clock
from cosell.core.models import ApiToken
from cosell.core.services import api_token_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_confirmations_and_language_switch_work_under_the_csp(pages, partner_admin, password):
    api_token_create(user=partner_admin, name="laptop", now=clock.now())
    ada = pages()
    ada.login("ada", password)
    response = ada.goto("/account/tokens/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # Cancelling the confirmation sends nothing.
    ada.page.once("dialog", lambda dialog: dialog.dismiss())
    ada.page.get_by_role("button", name=re.compile("Revoke")).first.click()
    ada.page.wait_for_load_state("networkidle")
    assert ApiToken.objects.active().filter(user=partner_admin).count() == 1
    # Accepting it revokes the token.
    ada.page.once("dialog", lambda dialog: dialog.accept())
    with ada.page.expect_navigation():
        ada.page.get_by_role("button", name=re.compile("Revoke")).first.click()
    ada.page.wait_for_load_state("networkidle")
    assert ApiToken.objects.active().filter(user=partner_admin).count() == 0
    # The language switch submits on change.
    with ada.page.expect_navigation():
        ada.page.select_option("#language-select", "zh-hans")
    ada.page.wait_for_load_state("networkidle")
    assert ada.page.locator("html").get_attribute("lang") == "zh-hans"
    ada.shot("tokens-zh")


def test_admin_and_api_docs_work_under_the_csp(pages, admin_user, password):
    root = pages()
    root.login("root", password)
    root.goto("/admin/partners/partner/")
    assert root.page.locator("#content").is_visible()
    root.goto("/api/docs/")
    root.page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    root.shot("api-docs")
