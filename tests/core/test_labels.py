import pytest
from django.utils import translation

from cosell.core import audit, clock
from cosell.core.labels import reason_label, state_label, verb_label
from offers.models import CoSellStatus
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_codes_read_in_the_readers_language():
    with translation.override("zh-hans"):
        assert verb_label("co_sell_status_changed") == "联合销售状态已更改"
        assert state_label(CoSellStatus.CO_SELL_READY) == "已做好联合销售准备"
        assert reason_label("budget_not_adequate") != "budget_not_adequate"
        assert reason_label("free text the customer wrote") == "free text the customer wrote"
    with translation.override("en"):
        assert verb_label("co_sell_status_changed") == "Co-sell status changed"
        assert verb_label("some_new_verb") == "some new verb"


def test_offer_history_shows_labels_not_codes(partner_admin, client_for):
    offer = OfferFactory(partner=partner_admin.partner)
    audit.record(
        offer,
        "co_sell_status_changed",
        frm=CoSellStatus.NOT_READY,
        to=CoSellStatus.CO_SELL_READY,
        actor=partner_admin,
        at=clock.now(),
    )
    client = client_for(partner_admin)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get(f"/offers/{offer.pk}/").content.decode()
    assert "联合销售状态已更改" in page
    assert "co_sell_status_changed" not in page
