"""SQL compiled once per process (``cosell/core/compiled.py``): the same rows, related objects
and annotations as the queryset, for any values; the session and the signed-in person read
through it as before."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import F, Model, Value
from django.db.models.functions import Concat
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cosell.core.authentication import active_token
from cosell.core.compiled import CompiledQuery
from cosell.core.models import ApiToken, hash_token
from cosell.core.sessions import SessionStore
from cosell.partners.backends import PortalBackend
from cosell.partners.models import Membership, User
from opportunities.deals import detail_page
from tests.opportunities.conftest import make_opportunity

pytestmark = pytest.mark.django_db


def _users(pk, partner_id):
    return (
        User.objects.select_related("membership__partner", "seller")
        .filter(pk=pk, membership__partner_id=partner_id)
        .annotate(label=Concat(F("username"), Value("@"), F("membership__partner__name")))
    )


def test_a_compiled_query_gives_what_its_queryset_gives(
    partner, partner_admin, other_partner, other_partner_admin
):
    compiled = CompiledQuery(_users, "pk", "partner_id")
    for user, partner_id in (
        (partner_admin, partner.pk),
        (other_partner_admin, other_partner.pk),
        (partner_admin, other_partner.pk),
    ):
        with CaptureQueriesContext(connection) as plain_sql:
            expected = list(_users(user.pk, partner_id))
        with CaptureQueriesContext(connection) as compiled_sql:
            found = compiled(pk=user.pk, partner_id=partner_id)
        assert [u.pk for u in found] == [u.pk for u in expected]
        assert [query["sql"] for query in compiled_sql] == [query["sql"] for query in plain_sql]
        for got, want in zip(found, expected, strict=True):
            assert got.label == want.label
            with CaptureQueriesContext(connection) as related:
                assert got.membership.partner.name == want.membership.partner.name
            assert not related.captured_queries
    assert compiled._compiled["default"] is not None


def test_a_query_whose_placeholder_does_not_reach_the_sql_is_built_each_time(partner_admin):
    compiled = CompiledQuery(lambda pk, unused: User.objects.filter(pk=pk), "pk", "unused")
    assert [u.pk for u in compiled(pk=partner_admin.pk, unused=3)] == [partner_admin.pk]
    assert compiled._compiled["default"] is None
    with pytest.raises(TypeError):
        compiled(pk=partner_admin.pk)


def test_the_deal_page_query_is_compiled(partner, partner_admin):
    deal = make_opportunity(partner, partner_admin)
    found = detail_page.opportunity_for_page(
        user=partner_admin, opportunity_id=deal.pk, now=timezone.now()
    )
    assert found.pk == deal.pk and found.partner.name == partner.name and found.page_version
    assert detail_page._own_deal._compiled["default"] is not None
    assert partner_admin.membership.role == Membership.Role.ADMIN


def test_sessions_and_the_signed_in_person_read_as_before(partner_admin):
    client = Client()
    client.force_login(partner_admin)
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()[SESSION_KEY] == str(partner_admin.pk)
    assert client.get("/").status_code in (200, 302)
    user = PortalBackend().get_user(partner_admin.pk)
    assert (
        user == partner_admin and user.membership.partner_id == partner_admin.membership.partner_id
    )
    assert PortalBackend().get_user(10**9) is None
    # An expired session is not read, and its key is dropped.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert SessionStore("no-such-session-key-0000000000000").load() == {}


# The API token's lookup (cosell/core/authentication.py) finds what the ORM finds, related
# rows included, in one query.


def orm_lookup(key_hash):
    return (
        ApiToken.objects.active()
        .select_related("user", "user__membership__partner", "user__seller")
        .filter(key_hash=key_hash)
        .first()
    )


def columns(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def new_token(user, **kwargs) -> str:
    raw, key_hash, prefix = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", key_hash=key_hash, prefix=prefix, **kwargs)
    return raw


@pytest.mark.parametrize(
    "persona", ["partner_admin", "partner_user", "seller", "admin_user", "other_partner_user"]
)
def test_the_same_token_user_membership_partner_and_seller(
    request, django_assert_num_queries, persona
):
    user = request.getfixturevalue(persona)
    new_token(user)  # another token of the same person
    key_hash = hash_token(new_token(user))
    expected = orm_lookup(key_hash)
    with django_assert_num_queries(1):
        token = active_token(key_hash)
        membership, seller = token.user.membership_or_none, token.user.seller_or_none
        partner = membership.partner if membership else None
    assert columns(token) == columns(expected)
    assert columns(token.user) == columns(expected.user)
    expected_membership = expected.user.membership_or_none
    assert (membership is None) == (expected_membership is None)
    if membership is not None:
        assert columns(membership) == columns(expected_membership)
        assert columns(partner) == columns(expected_membership.partner)
    expected_seller = expected.user.seller_or_none
    assert (seller is None) == (expected_seller is None)
    if seller is not None:
        assert columns(seller) == columns(expected_seller)
    assert token._state.db == "default" and not token._state.adding


def test_revoked_and_unknown_tokens_are_not_found(partner_user):
    from django.utils import timezone

    revoked = hash_token(new_token(partner_user, revoked_at=timezone.now()))
    assert active_token(revoked) is None and orm_lookup(revoked) is None
    assert active_token(hash_token("csl_unknown")) is None
