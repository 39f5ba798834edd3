from datetime import timedelta

import pytest

from cosell.core import clock
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity as _make_opportunity
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_opportunity(*args, **kwargs):
    """Opportunities of the present: the API reads the real clock."""
    return _make_opportunity(*args, now=clock.now(), **kwargs)


def body(**kw):
    return {
        "category": "private",
        "name": "Data platform",
        "customer_name": "Northwind",
        "customer_country": "US",
        "value": "1000.00",
        "currency": "USD",
        "solutions": [{"kind": "microsoft", "name": "Azure"}],
        **kw,
    }


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, content_type="application/json", **extra)


def patch(client, url, data, **extra):
    return client.patch(url, data, content_type="application/json", **extra)


def test_create_retrieve_and_etag(client_for, partner_admin, ready_offer):
    client = client_for(partner_admin)
    response = post(
        client,
        "/api/v1/opportunities/",
        body(category="microsoft", solutions=[{"offer_id": ready_offer.pk}]),
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["category"] == "microsoft" and data["status"] == "active"
    assert data["stage"] == "created" and data["progress"] == 10
    assert data["solutions"] == [
        {"kind": "offer", "offer_id": ready_offer.pk, "name": ready_offer.name}
    ]
    assert response["ETag"] == f'"{data["id"]}-1"'
    got = client.get(f"/api/v1/opportunities/{data['id']}/")
    assert got.status_code == 200 and got["ETag"] == response["ETag"]


def test_create_errors_name_the_field(client_for, partner_admin):
    client = client_for(partner_admin)
    cases = [
        (body(category="nope"), "category"),
        (body(close_date="31/02/2026"), "close_date"),
        (body(currency="usd"), "currency"),
        (body(category="p2p", invite_partner_ids=[987654]), "invite_partner_ids"),
        (body(solutions=[]), "solutions"),
        (body(category="microsoft"), "category"),
        (body(contact_name="Ann"), "contact_consent"),
        (body(customer_country="XX"), "customer_country"),
        (body(value="lots"), "value"),
    ]
    for data, field in cases:
        response = post(client, "/api/v1/opportunities/", data)
        assert response.status_code == 400, (field, response.content)
        assert field in response.json()["errors"], (field, response.json())


def test_duplicate_answers_409_with_the_other_id_unless_confirmed(client_for, partner_admin):
    client = client_for(partner_admin)
    first = post(client, "/api/v1/opportunities/", body()).json()
    response = post(client, "/api/v1/opportunities/", body(customer_name="NORTHWIND"))
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"
    assert response.json()["duplicate_of"] == first["id"]
    response = post(
        client, "/api/v1/opportunities/", body(customer_name="NORTHWIND", confirm_duplicate=True)
    )
    assert response.status_code == 201


def test_partial_update_honours_if_match(client_for, partner_admin):
    client = client_for(partner_admin)
    created = post(client, "/api/v1/opportunities/", body())
    url = f"/api/v1/opportunities/{created.json()['id']}/"
    etag = created["ETag"]
    response = patch(client, url, {"name": "Renamed"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    assert response["ETag"] != etag
    stale = patch(client, url, {"name": "Again"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert patch(client, url, {"name": "Again"}, HTTP_IF_MATCH='"garbage"').status_code == 412
    # Without If-Match the write goes through
    assert patch(client, url, {"notes": "n"}).status_code == 200
    assert patch(client, url, {"close_date": "soon"}).status_code == 400
    assert client.put(url, body(), content_type="application/json").status_code == 405


def test_closed_opportunity_answers_409_to_every_write(client_for, partner_admin, other_partner):
    client = client_for(partner_admin)
    opp = post(client, "/api/v1/opportunities/", body(category="p2p")).json()
    url = f"/api/v1/opportunities/{opp['id']}/"
    response = post(client, url + "close/", {"outcome": "lost", "reason": "timeline_too_short"})
    assert response.status_code == 200 and response.json()["status"] == "lost"
    for call in (
        lambda: patch(client, url, {"name": "x"}),
        lambda: post(client, url + "close/", {"outcome": "won"}),
        lambda: post(client, url + "stage/", {"stage": "proposed"}),
        lambda: post(client, url + "invite/", {"partner_id": other_partner.pk}),
        lambda: post(client, url + "upgrade/", {"category": "microsoft"}),
    ):
        response = call()
        assert response.status_code == 409, response.content
        assert response.json()["current_status"] == "lost"


def test_close_validation(client_for, partner_admin):
    client = client_for(partner_admin)
    opp = post(client, "/api/v1/opportunities/", body()).json()
    url = f"/api/v1/opportunities/{opp['id']}/close/"
    assert "outcome" in post(client, url, {"outcome": "maybe"}).json()["errors"]
    assert "reason" in post(client, url, {"outcome": "lost"}).json()["errors"]
    assert (
        "reason" in post(client, url, {"outcome": "error", "reason": "spam_abuse"}).json()["errors"]
    )


def test_invite_and_upgrade(client_for, partner_admin, other_partner, ready_offer):
    client = client_for(partner_admin)
    opp = post(
        client, "/api/v1/opportunities/", body(solutions=[{"offer_id": ready_offer.pk}])
    ).json()
    url = f"/api/v1/opportunities/{opp['id']}/"
    response = post(client, url + "upgrade/", {"category": "galaxy"})
    assert response.status_code == 400 and "category" in response.json()["errors"]
    response = post(client, url + "upgrade/", {"category": "p2p"})
    assert response.status_code == 200 and response.json()["category"] == "p2p"
    response = post(client, url + "invite/", {"partner_id": 999999})
    assert response.status_code == 400 and "partner_id" in response.json()["errors"]
    response = post(client, url + "invite/", {"partner_id": "abc"})
    assert response.status_code == 400 and "partner_id" in response.json()["errors"]
    response = post(client, url + "invite/", {"partner_id": other_partner.pk})
    assert response.status_code == 201
    assert response.json()["receiver_partner"]["id"] == other_partner.pk
    assert response.json()["direction"] == "outgoing"


def test_list_filters_and_search(client_for, partner_admin):
    client = client_for(partner_admin)
    post(client, "/api/v1/opportunities/", body(name="Alpha", close_date="2026-05-01"))
    post(
        client,
        "/api/v1/opportunities/",
        body(name="Beta", customer_name="Fourth Coffee", close_date="2026-08-01", category="p2p"),
    )

    def names(query):
        response = client.get("/api/v1/opportunities/" + query)
        assert response.status_code == 200, response.content
        return sorted(o["name"] for o in response.json()["results"])

    assert names("") == ["Alpha", "Beta"]
    assert names("?category=p2p") == ["Beta"]
    assert names("?status=active&stage=created") == ["Alpha", "Beta"]
    assert names("?close_date_after=2026-06-01") == ["Beta"]
    assert names("?close_date_before=2026-06-01") == ["Alpha"]
    assert names("?search=coffee") == ["Beta"]
    assert names("?search=alp") == ["Alpha"]
    for bad in ("?close_date_after=tomorrow", "?category=x", "?stage=nope"):
        response = client.get("/api/v1/opportunities/" + bad)
        assert response.status_code == 400, bad
        assert response.json()["errors"]


def test_tenancy_of_opportunities(
    client_for, partner, partner_admin, partner_user, other_partner_admin, seller, ready_offer
):
    private = make_opportunity(partner, partner_admin)
    ms = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        name="MS deal",
        customer_name="Other customer",
    )
    for user in (other_partner_admin, seller, partner_user):
        client = client_for(user)
        for opp in (private, ms):
            assert client.get(f"/api/v1/opportunities/{opp.pk}/").status_code == 404
            assert (
                patch(client, f"/api/v1/opportunities/{opp.pk}/", {"name": "x"}).status_code == 404
            )
            assert (
                post(
                    client, f"/api/v1/opportunities/{opp.pk}/close/", {"outcome": "won"}
                ).status_code
                == 404
            )
        assert client.get("/api/v1/opportunities/").json()["count"] == 0
    admin = client_for(partner_admin)
    assert admin.get("/api/v1/opportunities/").json()["count"] == 2
    # the seller joins by accepting the lead, and then sees it but cannot change it
    lead = ms.leads.get()
    seller_client = client_for(seller)
    assert post(seller_client, f"/api/v1/leads/{lead.pk}/accept/").status_code == 200
    assert seller_client.get(f"/api/v1/opportunities/{ms.pk}/").status_code == 200
    assert patch(seller_client, f"/api/v1/opportunities/{ms.pk}/", {"name": "x"}).status_code == 403
    assert seller_client.get(f"/api/v1/opportunities/{private.pk}/").status_code == 404


def test_p2p_invited_partner_sees_the_lead_then_the_deal_once_accepted(
    client_for, partner, partner_admin, other_partner, other_partner_admin, other_partner_user
):
    from tests.partners.factories import MembershipFactory, PartnerFactory

    opp = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    lead = opp.leads.get()
    invited = client_for(other_partner_admin)
    uninvited = client_for(MembershipFactory(partner=PartnerFactory(), role="admin").user)
    assert invited.get(f"/api/v1/opportunities/{opp.pk}/").status_code == 404
    data = invited.get(f"/api/v1/leads/{lead.pk}/").json()
    assert data["direction"] == "incoming" and data["opportunity"]["name"] == opp.name
    assert data["customer"]["name"] == "Northwind Traders"
    assert uninvited.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert post(uninvited, f"/api/v1/leads/{lead.pk}/accept/").status_code == 404
    assert (
        post(client_for(other_partner_user), f"/api/v1/leads/{lead.pk}/accept/").status_code == 200
    )
    assert invited.get(f"/api/v1/opportunities/{opp.pk}/").status_code == 200
    assert uninvited.get(f"/api/v1/opportunities/{opp.pk}/").status_code == 404


def test_lead_actions(client_for, partner, partner_admin, ready_offer, seller):
    opp = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer, value=None
    )
    lead = opp.leads.get()
    client = client_for(seller)
    url = f"/api/v1/leads/{lead.pk}/"
    data = client.get(url).json()
    assert data["status"] == "received" and data["direction"] == "incoming"
    assert 0 < data["time_left_seconds"] <= 14 * 86400
    response = post(client, url + "decline/", {"reason": "other"})
    assert response.status_code == 400 and "notes" in response.json()["errors"]
    response = post(client, url + "decline/", {"notes": "x"})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = post(client, url + "accept/", {"value": "250.00", "currency": "EUR"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    again = post(client, url + "accept/")
    assert (
        again.status_code == 200 and again.json()["answered_at"] == response.json()["answered_at"]
    )
    response = post(client, url + "decline/", {"reason": "other", "notes": "x"})
    assert response.status_code == 409
    assert response.json()["current_status"] == "accepted"
    assert post(client, url + "withdraw/").status_code == 403
    opp.refresh_from_db()
    assert str(opp.value) == "250.00" and opp.currency == "EUR"


def test_queue_race_loser_is_told_who_took_it(client_for, partner, partner_admin):
    offer = co_sell_ready_offer(partner, solution_areas=["security"])
    lead = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=offer
    ).leads.get()
    amy = SellerFactory(user=UserFactory(username="amy", first_name="Amy", last_name="A")).user
    bob = SellerFactory(user=UserFactory(username="bob")).user
    assert client_for(bob).get(f"/api/v1/leads/{lead.pk}/").json()["in_queue"] is True
    assert post(client_for(amy), f"/api/v1/leads/{lead.pk}/accept/").status_code == 200
    response = post(client_for(bob), f"/api/v1/leads/{lead.pk}/accept/")
    assert response.status_code == 409
    assert response.json()["accepted_by"] == "Amy A"


def test_lead_filters_and_direction(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    make_opportunity(
        other_partner,
        other_partner_admin,
        category=Category.P2P,
        invite_partner_ids=[partner.pk],
        name="Back",
        customer_name="Else",
    )
    client = client_for(partner_admin)
    assert client.get("/api/v1/leads/").json()["count"] == 2
    incoming = client.get("/api/v1/leads/?direction=incoming").json()["results"]
    assert [lead["opportunity"]["name"] for lead in incoming] == ["Back"]
    outgoing = client.get("/api/v1/leads/?direction=outgoing").json()["results"]
    assert [lead["opportunity"]["name"] for lead in outgoing] == ["Data platform"]
    assert client.get("/api/v1/leads/?status=accepted").json()["count"] == 0
    assert client.get("/api/v1/leads/?status=nope").status_code == 400
    assert client.get("/api/v1/leads/?direction=sideways").status_code == 400


def test_declined_lead_hides_the_contact_from_the_receiver(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        invite_partner_ids=[other_partner.pk],
        contact_consent=True,
        contact_name="Ann",
        contact_email="ann@nw.com",
    )
    lead = opp.leads.get()
    receiver = client_for(other_partner_admin)
    assert receiver.get(f"/api/v1/leads/{lead.pk}/").json()["contact"]["name"] == "Ann"
    post(receiver, f"/api/v1/leads/{lead.pk}/decline/", {"reason": "other", "notes": "no"})
    assert receiver.get(f"/api/v1/leads/{lead.pk}/").json()["contact"] is None
    sender = client_for(partner_admin)
    assert sender.get(f"/api/v1/leads/{lead.pk}/").json()["contact"]["name"] == "Ann"


def test_seller_outside_the_territory_sees_nothing(
    client_for, partner, partner_admin, ready_offer, seller, cn_seller
):
    lead = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer
    ).leads.get()
    client = client_for(cn_seller)
    assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert post(client, f"/api/v1/leads/{lead.pk}/accept/").status_code == 404
    assert client.get("/api/v1/leads/").json()["count"] == 0


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/opportunities/").status_code in (401, 403)
    assert client.get("/api/v1/leads/").status_code in (401, 403)


def test_schema_documents_the_endpoints(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "412" in paths["/api/v1/opportunities/{id}/"]["patch"]["responses"]
    assert "409" in paths["/api/v1/leads/{id}/accept/"]["post"]["responses"]
    assert "/api/v1/opportunities/{id}/invite/" in paths


@pytest.mark.parametrize("endpoint", ["opportunities", "leads"])
def test_list_query_count_does_not_grow(
    client_for, partner, partner_admin, other_partner, django_assert_max_num_queries, endpoint
):
    client = client_for(partner_admin)

    def add(n):
        for i in range(n):
            make_opportunity(
                partner,
                partner_admin,
                category=Category.P2P,
                name=f"d{i}-{n}",
                customer_name=f"c{i}-{n}",
                invite_partner_ids=[other_partner.pk],
            )

    add(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"/api/v1/{endpoint}/").status_code == 200
    add(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/api/v1/{endpoint}/")
    assert response.json()["count"] == 27
    assert Opportunity.objects.count() == 27 and Lead.objects.count() == 27


@pytest.mark.parametrize("endpoint", ["opportunities", "leads"])
def test_keyset_pages_walk_the_list_without_a_count(
    client_for, partner, partner_admin, other_partner, endpoint
):
    for i in range(7):
        make_opportunity(
            partner,
            partner_admin,
            category=Category.P2P,
            name=f"d{i}",
            customer_name=f"c{i}",
            invite_partner_ids=[other_partner.pk],
        )
    client = client_for(partner_admin)
    numbered = client.get(f"/api/v1/{endpoint}/?page_size=50").json()
    assert numbered["count"] == 7
    seen, url = [], f"/api/v1/{endpoint}/?page_size=3&cursor="
    while url:
        page = client.get(url).json()
        assert "count" not in page
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [row["id"] for row in numbered["results"]]


def test_leads_ordered_by_time_left(client_for, partner, partner_admin, other_partner):
    for i in range(3):
        make_opportunity(
            partner,
            partner_admin,
            category=Category.P2P,
            name=f"d{i}",
            customer_name=f"c{i}",
            invite_partner_ids=[other_partner.pk],
        )
    leads = list(Lead.objects.order_by("id"))
    for days, lead in zip((9, 2, 5), leads, strict=True):
        Lead.objects.filter(pk=lead.pk).update(expires_at=clock.now() + timedelta(days=days))
    client = client_for(partner_admin)
    ids = [
        row["id"]
        for row in client.get("/api/v1/leads/?direction=outgoing&ordering=expires_at").json()[
            "results"
        ]
    ]
    assert ids == [leads[1].pk, leads[2].pk, leads[0].pk]
    newest = client.get("/api/v1/leads/?ordering=-sent_at").json()["results"]
    assert [row["id"] for row in newest] == [lead.pk for lead in reversed(leads)]
    assert client.get("/api/v1/leads/?ordering=name").status_code == 400
