"""The opportunities list's SQL compiled once per viewer shape (list_compiled.py) answers what
the queryset built for each request answers: same bytes, same statuses, same queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opportunities.deals.api import list_compiled, list_rows
from tests.conftest import logged_in
from tests.opportunities.deals.test_representation import VIEWERS, population  # noqa: F401
from tests.opportunities.factories import OpportunityFactory
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/opportunities/",
    "/api/v1/opportunities/?page_size=2&page=2",
    "/api/v1/opportunities/?page=last&page_size=2",
    "/api/v1/opportunities/?category=microsoft&status=active",
    "/api/v1/opportunities/?category=p2p",
    "/api/v1/opportunities/?stage=qualify&stage=won",
    "/api/v1/opportunities/?search=customer",
    "/api/v1/opportunities/?close_date_after=2020-01-01&close_date_before=2030-01-01",
    "/api/v1/opportunities/?category=nonsense",
    "/api/v1/opportunities/?page=99",
    "/api/v1/opportunities/?page=x",
    "/api/v1/opportunities/?cursor=&page_size=2",
]


@pytest.fixture
def fresh(monkeypatch):
    """An empty cache of compiled lists for this test."""
    compiled = list_compiled.CompiledList(list_rows.list_queryset)
    monkeypatch.setattr(list_rows, "compiled_list", compiled)
    return compiled


def answers(client, paths, *, compiled: bool, monkeypatch):
    if not compiled:
        monkeypatch.setattr(list_rows.compiled_list, "rows", lambda view, request: None)
    out = []
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        out.append((path, response.status_code, response.content, len(queries)))
    monkeypatch.undo()
    return out


@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_the_compiled_list_answers_as_the_queryset(
    request,
    monkeypatch,
    fresh,
    population,  # noqa: F811
    viewer_name,
):
    client = logged_in(request.getfixturevalue(viewer_name))
    monkeypatch.setattr(list_rows, "compiled_list", fresh)
    plain = answers(client, PATHS, compiled=False, monkeypatch=monkeypatch)
    monkeypatch.setattr(list_rows, "compiled_list", fresh)
    first = answers(client, PATHS, compiled=True, monkeypatch=monkeypatch)  # compiles
    monkeypatch.setattr(list_rows, "compiled_list", fresh)
    again = answers(client, PATHS, compiled=True, monkeypatch=monkeypatch)  # reuses
    assert first == plain
    assert again == plain
    assert any(isinstance(entry, list_compiled._Compiled) for entry in fresh._entries.values())


def test_a_compiled_list_serves_each_viewer_their_own_deals(
    monkeypatch, fresh, partner, other_partner, partner_admin, other_partner_admin
):
    """Two partner admins share one compiled SQL (the same shape) with their own ids."""
    mine = OpportunityFactory(partner=partner)
    theirs = OpportunityFactory(partner=other_partner)
    ids = {}
    for user in (partner_admin, other_partner_admin, partner_admin):
        response = logged_in(user).get("/api/v1/opportunities/")
        assert response.status_code == 200
        ids.setdefault(user.pk, []).append({row["id"] for row in response.json()["results"]})
    assert ids[partner_admin.pk] == [{mine.pk}, {mine.pk}]
    assert ids[other_partner_admin.pk] == [{theirs.pk}]
    compiled = [e for e in fresh._entries.values() if isinstance(e, list_compiled._Compiled)]
    assert len(compiled) == 1


def test_a_viewer_of_no_known_shape_takes_the_normal_path(fresh, partner):
    OpportunityFactory(partner=partner)
    nobody = UserFactory()
    response = logged_in(nobody).get("/api/v1/opportunities/")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert list_compiled.viewer_shape(nobody) is None
    assert not fresh._entries


def test_an_unrecognised_shape_is_not_compiled(monkeypatch, fresh, partner, partner_admin):
    """A placeholder written into the SQL text (not a parameter): the normal path."""
    OpportunityFactory(partner=partner)
    monkeypatch.setattr(list_compiled, "_slots", lambda sql, params, expected: None)
    response = logged_in(partner_admin).get("/api/v1/opportunities/")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert list(fresh._entries.values()) == [list_compiled._NOT_COMPILED]
