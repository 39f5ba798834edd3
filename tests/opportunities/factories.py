from datetime import timedelta

import factory
from django.utils import timezone

from offers.models import CoSellStatus
from opportunities.deals.choices import Category, Stage
from opportunities.deals.models import (
    Opportunity,
    OpportunitySolution,
    TeamMember,
    normalize_customer_name,
)
from opportunities.leads.models import Lead
from tests.offers.factories import OfferFactory
from tests.partners.factories import PartnerFactory


def co_sell_ready_offer(partner, **kwargs):
    return OfferFactory(partner=partner, co_sell_status=CoSellStatus.CO_SELL_READY, **kwargs)


class OpportunityFactory(factory.django.DjangoModelFactory):
    """An opportunity row, without the leads sharing would send: use the services for those."""

    class Meta:
        model = Opportunity
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    category = Category.PRIVATE
    name = factory.Sequence(lambda n: f"Deal {n}")
    stage = Stage.CREATED
    customer_name = factory.Sequence(lambda n: f"Customer {n}")
    customer_name_normalized = factory.LazyAttribute(
        lambda o: normalize_customer_name(o.customer_name)
    )
    customer_country = "US"
    value = 1000
    currency = "USD"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def solution(self, create, extracted, **kwargs):
        if create:
            OpportunitySolution.objects.create(
                opportunity=self, kind=OpportunitySolution.Kind.MICROSOFT, name="Azure"
            )

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        for user in extracted or ():
            TeamMember.objects.create(
                opportunity=self, user=user, role=TeamMember.Role.OWNER, added_at=timezone.now()
            )


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    source = Lead.Source.PARTNER
    opportunity = factory.SubFactory(OpportunityFactory, category=Category.MICROSOFT)
    sender_partner = factory.LazyAttribute(
        lambda o: o.opportunity.partner if o.opportunity else None
    )
    receiver = Lead.Receiver.MICROSOFT
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + timedelta(days=14))
