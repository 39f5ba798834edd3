"""The pipeline board: a column per stage; a deal moves by its menu through the same service
(409 for a move its category does not allow, 412 for a stale version), with or without htmx."""

import pytest
from django.urls import reverse

from cosell.core.models import AuditEvent
from opportunities.deals.choices import Category, Stage
from tests.opportunities.conftest import make_opportunity

pytestmark = pytest.mark.django_db

BOARD = reverse("opportunities:pipeline_board")


def move_url(pk):
    return reverse("opportunities:opportunity_move", args=[pk])


def test_board_shows_a_column_per_stage_with_its_deals(client_for, partner, partner_admin):
    make_opportunity(partner, partner_admin, name="Alpha deal")
    qualified = make_opportunity(partner, partner_admin, name="Beta deal", customer_name="B")
    client = client_for(partner_admin)
    client.post(move_url(qualified.pk), {"stage": "qualified", "version": qualified.version})
    page = client.get(BOARD)
    assert page.status_code == 200
    html = page.content.decode()
    for value, label in Stage.choices:
        assert (f'data-stage="{value}"' in html) == (value != Stage.WON)
    created_column = html.split('data-stage="created"')[1].split('data-stage="accepted"')[0]
    qualified_column = html.split('data-stage="qualified"')[1].split('data-stage="developed"')[0]
    assert "Alpha deal" in created_column and "Beta deal" not in created_column
    assert "Beta deal" in qualified_column
    assert 'draggable="true"' in html and 'name="version"' in html
    filtered = client.get(BOARD + "?search=Alpha").content.decode()
    assert "Alpha deal" in filtered and "Beta deal" not in filtered


def test_moving_by_the_menu_calls_the_service_and_redirects(client_for, partner, partner_admin):
    deal = make_opportunity(partner, partner_admin)
    response = client_for(partner_admin).post(
        move_url(deal.pk) + "?category=private", {"stage": "developed", "version": deal.version}
    )
    assert response.status_code == 302
    assert response["Location"] == BOARD + "?category=private"
    deal.refresh_from_db()
    assert deal.stage == Stage.DEVELOPED and deal.version == 2
    event = AuditEvent.objects.get(verb="stage_changed")
    assert (event.from_state, event.to_state, event.actor) == (
        "created",
        "developed",
        partner_admin,
    )


def test_a_move_the_category_refuses_is_409_with_a_message(
    client_for, partner, partner_admin, ready_offer
):
    partner.sa_vetted = True
    partner.save(update_fields=["sa_vetted"])
    deal = make_opportunity(
        partner,
        partner_admin,
        category=Category.SOLUTION_ASSESSMENT,
        assessment_type="azure_migration",
    )
    client = client_for(partner_admin)
    response = client.post(
        move_url(deal.pk), {"stage": "negotiated", "version": deal.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="board"' in html and "passes each stage in order" in html
    deal.refresh_from_db()
    assert deal.stage == Stage.CREATED
    plain = client.post(move_url(deal.pk), {"stage": "negotiated"})
    assert plain.status_code == 409 and "passes each stage in order" in plain.content.decode()


def test_a_stale_card_is_412_and_changes_nothing(client_for, partner, partner_admin):
    deal = make_opportunity(partner, partner_admin)
    client = client_for(partner_admin)
    assert client.post(move_url(deal.pk), {"stage": "qualified", "version": 1}).status_code == 302
    stale = client.post(
        move_url(deal.pk), {"stage": "developed", "version": 1}, HTTP_HX_REQUEST="true"
    )
    assert stale.status_code == 412
    assert "changed since the board was drawn" in stale.content.decode()
    by_header = client.post(
        move_url(deal.pk), {"stage": "developed"}, HTTP_IF_MATCH=f'"{deal.pk}-1"'
    )
    assert by_header.status_code == 412
    deal.refresh_from_db()
    assert deal.stage == Stage.QUALIFIED
    bad = client.post(move_url(deal.pk), {"stage": "nowhere"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400


def test_only_the_owning_side_moves(
    client_for, partner, partner_admin, partner_user, other_partner_admin
):
    deal = make_opportunity(partner, partner_admin)
    assert (
        client_for(other_partner_admin).post(move_url(deal.pk), {"stage": "qualified"}).status_code
        == 404
    )
    # A partner user off the deal's team does not see it: 404 too.
    assert (
        client_for(partner_user).post(move_url(deal.pk), {"stage": "qualified"}).status_code == 404
    )
    assert client_for(partner_admin).get(move_url(deal.pk)).status_code == 405
    deal.refresh_from_db()
    assert deal.stage == Stage.CREATED


def test_board_queries_do_not_grow_with_deals(
    client_for, partner, partner_admin, django_assert_max_num_queries
):
    client = client_for(partner_admin)
    make_opportunity(partner, partner_admin, name="One", customer_name="One")
    client.get(BOARD)
    for n in range(12):
        make_opportunity(partner, partner_admin, name=f"Deal {n}", customer_name=f"C{n}")
    with django_assert_max_num_queries(30):
        assert client.get(BOARD).status_code == 200
