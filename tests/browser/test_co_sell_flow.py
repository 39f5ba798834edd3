"""The co-sell flow end to end in Chromium, in English and in Simplified Chinese.

A partner admin creates an offer, uploads its documents and adds a sales contact until the offer
is co-sell ready; shares a deal with Microsoft; the seller whose territory covers it accepts the
lead in place; the partner closes the deal as won; another partner cannot open it. Every page is
checked with axe-core and photographed (test-artifacts/screenshots).
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from offers.models import CoSellStatus, Offer
from offers.services import offer_facts_set
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf(title: str) -> bytes:
    """A small but well-formed one-page PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    ]
    text = f"BT /F1 24 Tf 72 720 Td ({title}) Tj ET".encode()
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(p, kind: str, name: str):
    p.page.locator("#id_kind").select_option(kind)
    p.page.locator("#id_file").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": pdf(name)}
    )
    p.page.get_by_role("button", name="Upload", exact=True).click()
    p.page.wait_for_load_state("networkidle")
    expect(p.page.get_by_role("alert").filter(has_text=name)).to_be_visible()


def test_offer_to_won_deal_across_partner_seller_and_languages(
    pages, partner, partner_admin, seller, other_partner_admin, password
):
    # --- The partner admin makes an offer co-sell ready --------------------------------------
    ada = pages()
    ada.visit("/accounts/login/", "login")
    ada.login("ada", password)
    ada.check_accessibility()
    ada.shot("home")

    ada.visit("/offers/new/", "offer-new")
    form = ada.page.locator("main form")
    form.locator("#id_name").fill("Contoso Insights")
    form.get_by_label("Offer type").select_option("saas")
    form.get_by_label("Solution type").select_option("ip")
    form.get_by_label("Data & AI (Azure)").check()
    form.get_by_role("button", name="Save").click()
    ada.page.wait_for_url(re.compile(r"/offers/\d+/$"))
    offer = Offer.objects.get(name="Contoso Insights")
    ada.check_accessibility()
    ada.shot("offer-created")
    assert offer.co_sell_status == CoSellStatus.NOT_READY
    # The listing state is measured by Microsoft: the portal's administrators record it.
    offer_facts_set(offer_id=offer.pk, actor=None, now=timezone.now(), listing_state="live")

    upload(ada, "one_pager", "one-pager.pdf")
    upload(ada, "pitch_deck", "pitch-deck.pdf")
    ada.shot("documents-uploaded")

    ada.visit(f"/offers/{offer.pk}/contacts/new/", "contact-new")
    form = ada.page.locator("main form")
    form.locator("#id_name").fill("Sally Sales")
    form.get_by_label("Email").fill("sally@contoso.example")
    form.get_by_label("Role").select_option("sales")
    form.get_by_label("Countries").fill("OOO")
    form.get_by_role("button", name=re.compile("Save|Add")).click()
    ada.page.wait_for_url(f"**/offers/{offer.pk}/")
    ada.page.reload()
    expect(ada.page.locator("main .status-badge").first).to_have_text("Co-sell ready")
    ada.check_accessibility()
    ada.shot("offer-co-sell-ready")
    offer.refresh_from_db()
    assert offer.co_sell_status == CoSellStatus.CO_SELL_READY

    # --- ... and shares a deal with Microsoft ------------------------------------------------
    # The kind of deal first (step 1), then only the fields of that kind (step 2).
    ada.visit("/opportunities/new/", "deal-kind")
    ada.page.locator("a[data-kind=co_sell]").click()
    ada.page.wait_for_url(re.compile(r"deal_type=co_sell"))
    ada.check_accessibility()
    ada.shot("deal-new")
    form = ada.page.locator("main form")
    expect(form.locator("[name=invite_partners]")).to_have_count(0)
    expect(form.locator("[name=assessment_type]")).to_have_count(0)
    form.locator("#id_name").fill("Northwind data platform")
    form.get_by_label("Customer name").fill("Northwind Traders")
    form.get_by_label("Customer country").select_option("US")
    form.get_by_label("Estimated value").fill("250000")
    form.get_by_label("Estimated close date").fill("2031-06-30")
    form.get_by_role("group", name="Your offers in this deal").get_by_label(
        "Contoso Insights"
    ).check()
    form.get_by_label("Proof of concept or demo").check()  # help asked: a co-sell deal
    form.get_by_role("button", name="Record opportunity").click()
    ada.page.wait_for_url(re.compile(r"/opportunities/\d+/$"))
    deal = Opportunity.objects.get(name="Northwind data platform")
    lead = deal.leads.get()
    assert lead.receiver_seller.user == seller
    ada.check_accessibility()
    ada.shot("deal-shared")

    # --- The seller sees the lead and accepts it in place ------------------------------------
    sam = pages()
    sam.login("sam", password)
    sam.check_accessibility()
    sam.shot("seller-home")
    sam.visit("/leads/", "seller-inbox")
    row = sam.page.locator(f"#lead-{lead.pk}")
    expect(row).to_contain_text("Northwind data platform")
    row.get_by_role("button", name=re.compile("^Accept")).click()
    expect(row).to_contain_text("Accepted")
    expect(sam.page.locator("#messages")).to_contain_text("you are on the opportunity")
    sam.check_accessibility()
    sam.shot("seller-accepted")
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.ACCEPTED
    sam.visit("/dashboard/", "seller-dashboard")
    sam.page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sam.visit("/leads/", "seller-inbox-phone")
    expect(sam.page.get_by_role("button", name=re.compile("navigation"))).to_be_visible()

    # --- The partner closes the deal as won ----------------------------------------------------
    ada.visit(f"/opportunities/{deal.pk}/close/", "deal-close")
    outcome = ada.page.locator("main form").get_by_role("group", name="Outcome")
    outcome.get_by_label("Won", exact=True).check()
    ada.page.get_by_role("button", name="Close opportunity").click()
    ada.page.wait_for_url(f"**/opportunities/{deal.pk}/")
    expect(ada.page.locator("main .status-badge").first).to_have_text("Won")
    ada.check_accessibility()
    ada.shot("deal-won")
    ada.visit("/dashboard/", "partner-dashboard")
    expect(ada.page.get_by_text("Win rate")).to_be_visible()
    ada.visit("/pipeline/", "pipeline")

    # --- Another partner cannot open the deal ------------------------------------------------
    oscar = pages()
    oscar.login("oscar", password)
    response = oscar.visit(f"/opportunities/{deal.pk}/", "other-partner-404")
    assert response.status == 404

    # --- The key pages in Simplified Chinese ---------------------------------------------------
    zh = pages(locale="zh-CN")
    zh.visit("/accounts/login/", "zh-login")
    zh.login("ada", password)
    for path, name in [
        ("/", "zh-home"),
        (f"/offers/{offer.pk}/", "zh-offer"),
        (f"/opportunities/{deal.pk}/", "zh-deal"),
        ("/dashboard/", "zh-dashboard"),
    ]:
        zh.visit(path, name)
        assert zh.page.locator("html").get_attribute("lang") == "zh-hans"
        assert "首页" in zh.page.locator("nav.navbar").inner_text()  # from our catalog
    # Django's own Chinese date format on the deal page (Y年n月j日)
    zh.goto(f"/opportunities/{deal.pk}/")
    assert "2031年6月30日" in zh.page.content()
