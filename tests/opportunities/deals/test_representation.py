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


# --- the list endpoint's rows (opportunities/api/list_rows.py) -------------------------------


@pytest.fixture
def population(partner, other_partner, partner_admin, partner_user, other_partner_user, seller):
    """Deals of every kind: categories, deal types, statuses, contacts with and without consent,
    values and dates set and empty, every kind of solution, teams of several people (names
    blank or partial), a deal the partner was invited to (its private fields withheld from
    them), deals a seller works on or views through a shared lead."""
    from datetime import date, timedelta
    from decimal import Decimal

    from opportunities.deals.choices import DealType
    from opportunities.deals.models import OpportunitySolution, TeamMember
    from tests.opportunities.factories import co_sell_ready_offer
    from tests.partners.factories import UserFactory

    now = timezone.now().replace(microsecond=123456)
    private = {"notes": "our notes", "crm_id": "CRM-7", "customer_address": "1 Main St"}
    offer = co_sell_ready_offer(partner, name="Contoso Insights")
    nameless = UserFactory(username="nameless", first_name="", last_name="")
    first_only = UserFactory(username="firstonly", first_name="Fay", last_name="")
    own = [
        OpportunityFactory(partner=partner, value=None, customer_country="", **private),
        OpportunityFactory(
            partner=partner,
            category=Category.MICROSOFT,
            deal_type=DealType.CO_SELL,
            help_needed=["general", "technical"],
            contact_consent=True,
            contact_name="Mia",
            contact_email="mia@example.com",
            contact_phone="+1 555",
            value=Decimal("1234.50"),
            close_date=date(2026, 6, 30),
            team=[partner_admin, partner_user, seller],
            **private,
        ),
        OpportunityFactory(
            partner=partner,
            category=Category.MICROSOFT,
            deal_type=DealType.PARTNER_LED,
            stage=Stage.WON,
            status=Opportunity.Status.WON,
            closed_at=now,
            close_reason="",
            close_notes="closing notes",
            value=Decimal("99999999.99"),
            customer_country="CN",
            contact_consent=False,
            contact_name="kept but not shared",
        ),
        OpportunityFactory(
            partner=partner,
            category=Category.SOLUTION_ASSESSMENT,
            assessment_type="azure_migration",
            value=Decimal("0.00"),
            customer_account="new",
            team=[nameless, first_only],
        ),
    ]
    OpportunitySolution.objects.create(
        opportunity=own[1], kind=OpportunitySolution.Kind.OFFER, offer=offer
    )
    OpportunitySolution.objects.create(
        opportunity=own[1], kind=OpportunitySolution.Kind.THIRD_PARTY, name="Fabrikam Vault"
    )
    OpportunitySolution.objects.filter(opportunity=own[3]).delete()
    # Team order is (added_at, id): a member added earlier comes first.
    TeamMember.objects.filter(opportunity=own[3], user=first_only).update(
        added_at=now - timedelta(days=3)
    )
    # The other partner's P2P deal, the partner invited (accepted lead), and a partner user
    # on its team: both see it without the owner's private fields.
    invited = OpportunityFactory(
        partner=other_partner,
        category=Category.P2P,
        close_notes="owner only",
        contact_consent=True,
        contact_name="Lee",
        team=[other_partner_user, partner_user],
        **private,
    )
    LeadFactory(
        opportunity=invited,
        sender_partner=other_partner,
        receiver=Lead.Receiver.PARTNER,
        receiver_partner=partner,
        status=Lead.Status.ACCEPTED,
    )
    # A partner-led deal shared with the seller (routed lead needing no answer).
    shared = OpportunityFactory(
        partner=other_partner, category=Category.MICROSOFT, deal_type=DealType.PARTNER_LED
    )
    LeadFactory(
        opportunity=shared,
        sender_partner=other_partner,
        receiver=Lead.Receiver.MICROSOFT,
        receiver_seller=seller.seller,
        needs_answer=False,
    )
    OpportunityFactory(partner=other_partner, **private)  # the other partner's own
    return {"own": own, "invited": invited, "shared": shared}


VIEWERS = [
    "partner_admin",
    "partner_user",
    "other_partner_admin",
    "other_partner_user",
    "seller",
    "admin_user",
]


def drf_list(self, request, *args, **kwargs):
    """The list action as DRF's ``ListModelMixin`` answers it (the serializer on instances)."""
    from rest_framework.mixins import ListModelMixin

    return ListModelMixin.list(self, request, *args, **kwargs)


@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_the_list_endpoint_answers_the_serializers_bytes(
    request, monkeypatch, population, viewer_name
):
    from opportunities.deals.api.views import OpportunityViewSet
    from tests.conftest import logged_in

    client = logged_in(request.getfixturevalue(viewer_name))
    paths = [
        "/api/v1/opportunities/",
        "/api/v1/opportunities/?page_size=2&page=2",
        "/api/v1/opportunities/?category=microsoft&status=active",
        "/api/v1/opportunities/?category=p2p",
        "/api/v1/opportunities/?search=customer",
        "/api/v1/opportunities/?cursor=&page_size=2",
        "/api/v1/opportunities/?page=99",
    ]
    rows = [client.get(path) for path in paths]
    monkeypatch.setattr(OpportunityViewSet, "list", drf_list)
    for path, row in zip(paths, rows, strict=True):
        drf = client.get(path)
        assert (row.status_code, row.content) == (drf.status_code, drf.content), path
    first = rows[0].json()["results"]
    assert first, viewer_name  # every viewer sees some deals
    # Follow the keyset pages: the cursor the rows' page gives leads to the same next page.
    next_link = rows[5].json()["next"]
    if next_link:
        monkeypatch.undo()
        new_next = client.get(next_link)
        monkeypatch.setattr(OpportunityViewSet, "list", drf_list)
        assert new_next.content == client.get(next_link).content


@pytest.mark.parametrize("viewer_name", ["partner_admin", "partner_user"])
def test_an_invited_partner_does_not_see_the_owners_private_fields(
    request, population, viewer_name
):
    from opportunities import rules
    from tests.conftest import logged_in

    client = logged_in(request.getfixturevalue(viewer_name))
    results = client.get("/api/v1/opportunities/?page_size=200").json()["results"]
    by_id = {row["id"]: row for row in results}
    invited = by_id[population["invited"].pk]
    assert not rules.WITHHELD_FROM_INVITED & invited.keys()
    assert invited["contact"] == {"name": "Lee", "email": "", "phone": ""}
    own = by_id[population["own"][1].pk]
    assert own["notes"] == "our notes" and own["crm_id"] == "CRM-7"


def test_a_seller_does_not_see_the_crm_id(population, seller):
    from tests.conftest import logged_in

    results = logged_in(seller).get("/api/v1/opportunities/").json()["results"]
    assert {row["id"] for row in results} == {
        population["own"][1].pk,
        population["shared"].pk,
    }
    assert all("crm_id" not in row and "notes" in row for row in results)


@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_list_rows_match_the_serializer_in_another_time_zone(request, population, viewer_name):
    """The rows function against the serializer directly, with a time zone other than UTC
    active (DRF renders times in the current zone)."""
    from opportunities.deals import selectors
    from opportunities.deals.api import list_rows

    viewer = request.getfixturevalue(viewer_name)
    queryset = selectors.opportunity_list(user=viewer)
    rows = list(
        queryset.prefetch_related(None)
        .annotate(partner_name=list_rows.PARTNER_NAME)
        .values(*list_rows.COLUMNS)
    )
    with timezone.override("Asia/Kolkata"):
        mine = JSONRenderer().render(list_rows.representations(rows, viewer))
        drf = JSONRenderer().render(
            OpportunitySerializer(list(queryset), many=True, context={"user": viewer}).data
        )
    assert mine == drf
    assert b"+05:30" in mine


def test_a_rule_reading_a_column_the_rows_lack_fails_loudly(monkeypatch, population, partner_admin):
    from opportunities import rules
    from opportunities.deals.api import list_rows

    def reads_more(user, opportunity):
        return frozenset() if opportunity.created_by_id else rules.WITHHELD_FROM_INVITED

    monkeypatch.setattr(rules, "withheld_fields", reads_more)
    rows = [{"id": 1, "partner_id": 1}]
    with pytest.raises(AttributeError, match="created_by_id"):
        list_rows.representations(rows, partner_admin)
