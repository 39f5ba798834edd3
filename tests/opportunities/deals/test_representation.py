"""The API serializers' direct column reads give exactly DRF's own representation."""

import json

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from cosell.core.representation import DirectColumnsMixin
from opportunities.deals.api.serializers import OpportunitySerializer
from opportunities.deals.choices import Category, Stage
from opportunities.deals.models import Opportunity
from opportunities.leads.api.serializers import LeadSerializer
from opportunities.leads.models import Lead
from tests.opportunities.factories import LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def rendered(serializer_class, rows, viewer) -> list:
    data = serializer_class(rows, many=True, context={"user": viewer}).data
    return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("viewer_name", ["partner_admin", "admin_user", "seller"])
def test_the_same_json_as_drf(request, monkeypatch, partner, viewer_name):
    viewer = request.getfixturevalue(viewer_name)
    OpportunityFactory(partner=partner, team=[request.getfixturevalue("partner_admin")])
    OpportunityFactory(
        partner=partner,
        category=Category.MICROSOFT,
        contact_consent=True,
        contact_name="Mia",
        contact_email="mia@example.com",
        stage=Stage.WON,
        closed_at=timezone.now(),
        notes="n",
    )
    LeadFactory(opportunity=OpportunityFactory(partner=partner, category=Category.MICROSOFT))
    opportunities = list(
        Opportunity.objects.select_related("partner").prefetch_related("solutions", "team__user")
    )
    leads = list(Lead.objects.select_related("opportunity", "sender_partner"))
    direct = rendered(OpportunitySerializer, opportunities, viewer)
    direct_leads = rendered(LeadSerializer, leads, viewer)
    monkeypatch.setattr(
        DirectColumnsMixin, "to_representation", serializers.Serializer.to_representation
    )
    assert direct == rendered(OpportunitySerializer, opportunities, viewer)
    assert direct_leads == rendered(LeadSerializer, leads, viewer)
    assert len(direct) == 3
    assert direct[0]["solutions"]
