"""Issue 13, point 4: history reads states and reasons as their subject means them, in the
reader's language. A code shared by several kinds of state ("pending", "none", "other") used to
take the label of whichever kind registered it first: a badge moving "none -> pending" read
"Not enrolled -> Badge pending", a technical validation under review "Badge pending", a deal
closed in error for "other" the lost reason's "Others"."""

import pytest
from django.utils import translation

from cosell.core import audit, clock
from cosell.core.labels import event_reason_label, event_state_label
from cosell.core.models import AuditEvent
from opportunities.deals import services
from opportunities.deals.choices import Category
from tests.offers.factories import OfferFactory
from tests.opportunities.conftest import T0, make_opportunity

pytestmark = pytest.mark.django_db


def test_a_shared_code_reads_as_its_subject_and_verb_mean_it():
    with translation.override("en"):
        assert event_state_label("offers.offer", "badge_changed", "none") == "No badge"
        assert event_state_label("offers.offer", "badge_changed", "pending") == "Badge pending"
        assert (
            event_state_label("offers.offer", "technical_validation_submitted", "pending")
            == "Pending"
        )
        assert (
            event_state_label("registrations.exceptionrequest", "created", "pending")
            == "Waiting for review"
        )
        assert event_state_label("partners.partner", "figures_changed", "none") == "Not enrolled"
        assert event_reason_label("error", "other") == "Others (explain in notes)"
        assert event_reason_label("lost", "other") == "Others"
        assert event_reason_label("withdrawn", "free words") == "free words"
    with translation.override("zh-hans"):
        assert event_state_label("offers.offer", "badge_changed", "none") == "无徽章"
        assert event_state_label("registrations.exceptionrequest", "", "pending") != (
            "Waiting for review"
        )


def test_the_offer_history_names_badge_and_validation_states_rightly(partner_admin, client_for):
    offer = OfferFactory(partner=partner_admin.partner)
    now = clock.now()
    audit.record(offer, "badge_changed", frm="none", to="pending", job="offers.badge_propagate",
                 at=now)  # fmt: skip
    audit.record(offer, "technical_validation_submitted", frm="not_submitted", to="pending",
                 actor=partner_admin, at=now)  # fmt: skip
    page = client_for(partner_admin).get(f"/offers/{offer.pk}/").content.decode()
    history = page[page.index("badge propagation run") - 400 :]
    assert "from No badge to Badge pending." in history
    assert "from Not submitted to Pending." in history
    assert "Not enrolled" not in history


def test_a_requirement_sentence_reads_in_the_readers_language_after_it_changed(
    partner_admin, client_for
):
    """The checklist no longer says "A pitch deck is uploaded." (the offer has none now): the
    sentence recorded in English is shown in the reader's language all the same."""
    offer = OfferFactory(partner=partner_admin.partner)
    audit.record(
        offer,
        "co_sell_status_changed",
        frm="not_ready",
        to="co_sell_ready",
        job="offers.status_evaluate",
        reason="pitch_deck: A pitch deck is uploaded.",
        extra={"requirement": "pitch_deck", "direction": "up", "unmet": []},
        at=clock.now(),
    )
    client = client_for(partner_admin)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get(f"/offers/{offer.pk}/").content.decode()
    assert "已上传推介演示文稿。" in page
    assert "A pitch deck is uploaded." not in page
    assert "pitch_deck:" not in page


def test_a_deal_closed_in_error_names_partner_centers_reason(partner, partner_admin, client_for):
    deal = make_opportunity(partner, partner_admin, category=Category.PRIVATE)
    services.opportunity_close(
        opportunity_id=deal.pk, outcome="error", reason="other", notes="x", actor=partner_admin,
        now=T0,
    )  # fmt: skip
    event = AuditEvent.objects.get(verb="closed", subject_id=str(deal.pk))
    assert event.reason_label == "Others (explain in notes)"
    page = client_for(partner_admin).get(f"/opportunities/{deal.pk}/").content.decode()
    assert "closed it: Error. Reason: Others (explain in notes)" in page.replace("\n", "")
