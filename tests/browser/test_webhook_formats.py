"""A partner admin registers an endpoint in Partner Center's format, copies its secret, rotates
it, and reads the guide; at desktop and phone widths, in English and 简体中文."""

import re

import pytest
from playwright.sync_api import expect

from cosell.webhooks.models import WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_a_partner_center_endpoint_and_rotate_its_secret(
    pages, partner_admin, password, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    p = pages()
    p.login("ada", password)
    p.visit("/webhooks/new/", "new-endpoint")
    p.page.get_by_label("URL").fill("http://127.0.0.1:9/hooks/partner-center")
    p.page.get_by_label("Partner Center", exact=True).check()
    p.page.get_by_label("Referral created", exact=True).check()
    p.page.get_by_label("Related referral updated", exact=True).check()
    p.page.get_by_role("button", name="Register").click()
    p.page.wait_for_load_state("networkidle")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_format == "partner_center"
    assert endpoint.events == ["referral-created", "related-referral-updated"]
    expect(p.page.locator("#webhook-secret")).to_have_text(endpoint.secret)
    expect(p.page.locator("#webhook-format")).to_have_text("Partner Center")
    p.check_accessibility()
    p.shot("registered")

    p.page.get_by_role("link", name="Rotate the secret").click()
    p.page.wait_for_load_state("networkidle")
    p.check_accessibility()
    p.page.get_by_role("button", name="Rotate the secret").click()
    p.page.wait_for_load_state("networkidle")
    endpoint.refresh_from_db()
    expect(p.page.locator("#webhook-secret")).to_have_text(endpoint.secret)
    expect(p.page.get_by_text(re.compile("also signed with the previous secret"))).to_be_visible()
    p.shot("rotated")

    for width, height in ((1366, 900), (390, 844)):
        p.page.set_viewport_size({"width": width, "height": height})
        for path in (f"/webhooks/{endpoint.pk}/", "/webhooks/guide/"):
            p.visit(path, f"{width}-{path.strip('/').replace('/', '-')}")
            scroll, client = p.page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= client, (path, width)

    zh = pages(locale="zh-CN")
    zh.login("ada", password)
    zh.visit("/webhooks/guide/", "guide-zh")
    expect(zh.page.get_by_role("heading", name="合作伙伴中心的事件格式")).to_be_visible()
