"""A partner's token, Bearer-authenticated clients and deals to read as referrals."""

from datetime import timedelta

import pytest
from django.test import Client

from cosell.core import clock
from cosell.core.models import ApiToken
from opportunities.deals.choices import Category
from tests.opportunities.conftest import make_opportunity
from tests.opportunities.factories import co_sell_ready_offer

BASE = "/v1.0/engagements/referrals"


def token_for(user) -> str:
    raw, key_hash, prefix = ApiToken.generate()
    ApiToken.objects.create(user=user, name="crm", key_hash=key_hash, prefix=prefix)
    return raw


def bearer(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")


@pytest.fixture
def api(partner_admin):
    return bearer(partner_admin)


@pytest.fixture
def offer(partner):
    return co_sell_ready_offer(partner, name="Contoso Insights", solution_areas=["data_ai"])


@pytest.fixture
def deals(partner, partner_admin, other_partner, offer):
    """A private deal, a co-sell deal (a lead to Microsoft), a P2P deal inviting other_partner,
    recorded an hour ago (their leads wait for an answer)."""
    T0 = clock.now() - timedelta(hours=1)
    return {
        "private": make_opportunity(partner, partner_admin, now=T0, crm_id="CRM-1"),
        "cosell": make_opportunity(
            partner,
            partner_admin,
            now=T0,
            category=Category.MICROSOFT,
            name="Co-sell deal",
            customer_name="Woodgrove",
            offer=offer,
            crm_id="CRM-2",
        ),
        "p2p": make_opportunity(
            partner,
            partner_admin,
            now=T0,
            category=Category.P2P,
            name="P2P deal",
            customer_name="Litware",
            customer_address="1 Secret Road",
            notes="owner's private notes",
            crm_id="CRM-3",
            invite_partner_ids=[other_partner.pk],
        ),
    }
