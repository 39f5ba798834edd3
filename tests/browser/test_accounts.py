import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_admin_logs_in_sees_members_and_logs_out(
    pages, partner_admin, partner_user, password
):
    p = pages()
    p.visit("/accounts/login/", "login")
    p.login("ada", password)
    assert "Contoso Analytics" in p.page.content()
    p.check_accessibility()
    p.shot("home")
    p.visit("/members/", "members")
    assert p.page.get_by_text("uma@example.com").is_visible()
    p.page.get_by_role("button", name=str(partner_admin)).click()
    p.page.get_by_role("button", name="Log out").click()
    p.page.wait_for_url("**/accounts/login/")


def test_login_page_in_simplified_chinese(pages):
    p = pages(locale="zh-CN")
    p.visit("/accounts/login/", "login-zh")
    assert p.page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录 Cosell" in p.page.content()
