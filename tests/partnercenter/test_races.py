"""Two CRMs patch one referral with the same eTag, in two real transactions: the If-Match is
compared under the deal's lock, so exactly one patch applies and the other is 412."""

import pytest

from cosell.core import clock
from cosell.core.errors import PreconditionFailed
from opportunities.deals.models import Opportunity
from partnercenter.referrals import patch, writes
from tests.opportunities.conftest import make_opportunity
from tests.opportunities.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("attempt", range(3))
def test_two_patches_with_one_etag_one_applies(partner, partner_admin, attempt):
    deal = make_opportunity(partner, partner_admin, now=clock.now())
    etag = f'"{deal.pk}-{deal.version}"'

    def send(notes):
        plan = patch.read([{"op": "replace", "path": "/details/notes", "value": notes}])
        return writes.patch_referral(
            user=partner_admin,
            partner_id=partner.pk,
            referral=f"opportunity-{deal.pk}",
            plan=plan,
            if_match=etag,
            now=clock.now(),
        )

    results = race(lambda: send("first"), lambda: send("second"))
    oks = [r for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(oks) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], PreconditionFailed)
    deal = Opportunity.objects.get(pk=deal.pk)
    assert deal.notes in ("first", "second") and deal.version == 2
