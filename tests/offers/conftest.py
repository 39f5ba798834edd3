from decimal import Decimal

import pytest

from cosell.partners.models import Partner
from offers.models import Offer, OfferDocument, OfferType
from tests.offers.factories import OfferContactFactory, OfferDocumentFactory, OfferFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_ready(offer, *, diagram: bool = False):
    """Give ``offer`` the documents and contact co-sell readiness asks for."""
    OfferDocumentFactory(offer=offer, kind=OfferDocument.Kind.ONE_PAGER)
    OfferDocumentFactory(offer=offer, kind=OfferDocument.Kind.PITCH_DECK)
    if diagram:
        OfferDocumentFactory(offer=offer, kind=OfferDocument.Kind.ARCHITECTURE_DIAGRAM)
    OfferContactFactory(offer=offer)
    return offer


@pytest.fixture
def azure_partner(partner):
    """The persona partner with the figures the Azure IP incentive asks for."""
    Partner.objects.filter(pk=partner.pk).update(
        acr_trailing_12m_usd=Decimal("150000"), business_profile_complete=True
    )
    partner.refresh_from_db()
    return partner


@pytest.fixture
def azure_offer(azure_partner):
    """A SaaS offer with everything the Azure IP incentive asks for (status not yet applied)."""
    offer = OfferFactory(
        partner=azure_partner,
        name="Insight Cloud",
        offer_type=OfferType.SAAS,
        technical_validation=Offer.TechnicalValidation.PASSED,
        transactable=True,
        has_paid_plan=True,
    )
    return make_ready(offer, diagram=True)
