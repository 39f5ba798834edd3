"""The pipeline board (a move by its menu, a move by dragging a card, a refused move shown as
a message) and a partner user's main flow in 简体中文: the new deal in two steps, the lead
inbox, answering a lead and the board, each page checked with axe at both widths."""

import re

import pytest
from playwright.sync_api import expect

from cosell.core import clock
from opportunities.deals import services
from opportunities.deals.choices import Category, Stage
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from tests.opportunities.factories import co_sell_ready_offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _deal(partner, actor, name, **kw):
    fields = {
        "category": Category.PRIVATE,
        "customer_name": f"{name} customer",
        "customer_country": "US",
        "value": 1000,
        "currency": "USD",
        "solutions": [{"kind": "microsoft", "name": "Azure"}],
    }
    fields.update(kw)
    if fields["category"] == Category.SOLUTION_ASSESSMENT:
        fields["solutions"] = []
    return services.opportunity_create(
        partner=partner, actor=actor, now=clock.now(), name=name, **fields
    )


def column(p, stage):
    return p.page.locator(f"#board .board-column[data-stage={stage}]")


def test_board_moves_by_menu_and_by_drag_and_says_no_to_a_refused_move(
    pages, partner, partner_admin, password
):
    partner.sa_vetted = True
    partner.save(update_fields=["sa_vetted"])
    co_sell_ready_offer(partner, name="Contoso Insights")
    _deal(partner, partner_admin, "Menu deal")
    drag = _deal(partner, partner_admin, "Drag deal")
    _deal(
        partner,
        partner_admin,
        "Assessment deal",
        category=Category.SOLUTION_ASSESSMENT,
        assessment_type="data_ai",
    )
    p = pages()
    p.login("ada", password)
    p.visit("/pipeline/board/", "board")
    # By the menu.
    card = p.page.locator("#board .board-card", has_text="Menu deal")
    card.get_by_label(re.compile("Stage of Menu deal")).select_option("proposed")
    card.get_by_role("button", name=re.compile("^Move")).click()
    expect(column(p, "proposed")).to_contain_text("Menu deal")
    expect(p.page.locator("#messages")).to_contain_text("is now at")
    # By dragging the card onto another column (board.js submits the card's own menu).
    p.page.locator(f"#board-card-{drag.pk}").drag_to(column(p, "qualified"))
    expect(column(p, "qualified")).to_contain_text("Drag deal")
    assert Opportunity.objects.get(pk=drag.pk).stage == Stage.QUALIFIED
    # A solution assessment passes each stage in order: skipping is refused (409), said.
    card = p.page.locator("#board .board-card", has_text="Assessment deal")
    card.get_by_label(re.compile("Stage of Assessment deal")).select_option("negotiated")
    card.get_by_role("button", name=re.compile("^Move")).click()
    expect(p.page.locator("#messages")).to_contain_text("passes each stage in order")
    expect(column(p, "created")).to_contain_text("Assessment deal")
    p.check_accessibility()
    p.shot("board-after-moves")
    p.page.set_viewport_size({"width": 390, "height": 844})
    p.goto("/pipeline/board/")
    widths = p.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    p.check_accessibility()
    p.shot("phone-board")


def test_a_partner_user_works_in_simplified_chinese(
    pages, partner, partner_user, other_partner, other_partner_admin, password
):
    co_sell_ready_offer(partner, name="Contoso Insights")
    other_offer = co_sell_ready_offer(other_partner, name="Fabrikam Flow")
    invited = _deal(
        other_partner,
        other_partner_admin,
        "Fabrikam 邀请的机会",
        category=Category.P2P,
        invite_partner_ids=[partner.pk],
        solutions=[{"offer_id": other_offer.pk}],
    )
    lead = invited.leads.get()
    zh = pages(locale="zh-CN")
    zh.login("uma", password)
    for label, (width, height) in {"desktop": (1366, 900), "phone": (390, 844)}.items():
        zh.page.set_viewport_size({"width": width, "height": height})
        zh.visit("/", f"zh-{label}-home")
        assert zh.page.locator("html").get_attribute("lang") == "zh-hans"
        expect(zh.page.locator("nav.navbar")).to_contain_text("销售线索")
        zh.visit("/opportunities/new/", f"zh-{label}-deal-kind")
        expect(zh.page.locator("main")).to_contain_text("第 1 步，共 2 步")
        expect(zh.page.locator("main")).to_contain_text("这是哪种联合销售机会？")
        zh.visit("/leads/", f"zh-{label}-leads")
        expect(zh.page.locator(f"#lead-{lead.pk}")).to_contain_text("Fabrikam 邀请的机会")
        zh.visit(f"/leads/{lead.pk}/", f"zh-{label}-lead")
        expect(zh.page.locator("main")).to_contain_text("Fabrikam Cloud")
        zh.visit("/pipeline/board/", f"zh-{label}-board")
        expect(zh.page.locator("main h1")).to_have_text("销售管道看板")

    # A new co-sell deal, in two steps, in Chinese.
    zh.page.set_viewport_size({"width": 390, "height": 844})
    zh.goto("/opportunities/new/")
    zh.page.locator("a[data-kind=co_sell]").click()
    zh.page.wait_for_url(re.compile(r"deal_type=co_sell"))
    expect(zh.page.locator("main")).to_contain_text("第 2 步，共 2 步")
    zh.check_accessibility()
    form = zh.page.locator("main form")
    form.locator("#id_name").fill("西北数据平台")
    form.locator("#id_customer_name").fill("Northwind Traders")
    form.locator("#id_customer_country").select_option("US")
    form.locator("#id_value").fill("250000")
    form.locator("#id_close_date").fill("2031-06-30")
    # Offers are a checklist with a search box (forms.js): what does not match hides.
    offers = form.locator("fieldset.check-list-field").filter(has=zh.page.locator("[name=offers]"))
    search = offers.locator("input[type=search]")
    search.fill("zzz")
    expect(offers.locator(".form-check").first).to_be_hidden()
    search.fill("contoso")
    expect(offers.locator(".form-check").first).to_be_visible()
    form.locator("[name=offers]").first.check()
    form.locator("[name=help_needed]").first.check()
    zh.shot("zh-phone-deal-form")
    form.locator("button[type=submit]").click()
    zh.page.wait_for_url(re.compile(r"/opportunities/\d+/$"))
    deal = Opportunity.objects.get(name="西北数据平台")
    assert deal.deal_type == "co_sell" and deal.leads.count() == 1
    expect(zh.page.locator("main h1")).to_have_text("西北数据平台")
    expect(zh.page.locator("main")).to_contain_text("创建了此记录")  # history, a sentence
    zh.check_accessibility()
    zh.shot("zh-phone-deal")

    # Accepting the invitation from the inbox, on the phone.
    zh.goto("/leads/")
    row = zh.page.locator(f"#lead-{lead.pk}")
    accept = row.get_by_role("button", name=re.compile("^接受"))
    expect(accept).to_be_in_viewport()
    accept.click()
    expect(row).to_contain_text("已接受")
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.ACCEPTED
    zh.check_accessibility()
    zh.shot("zh-phone-lead-accepted")
