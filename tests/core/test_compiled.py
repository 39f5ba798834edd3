"""The token lookup compiled once (cosell/core/compiled.py) finds what the ORM finds, related
rows included, in one query."""

import pytest
from django.db.models import Model

from cosell.core.authentication import active_token
from cosell.core.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


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


def test_the_compiled_sql_is_the_orms_first(partner_user):
    key_hash = hash_token(new_token(partner_user))
    compiled = active_token._compiled
    queryset = (
        ApiToken.objects.active()
        .select_related("user", "user__membership__partner", "user__seller")
        .filter(key_hash=key_hash)
    )[:1]
    sql, params = queryset.query.sql_with_params()
    assert compiled["sql"] == sql
    assert [key_hash if p == key_hash else p for p in params] == [
        key_hash if i == compiled["position"] else p for i, p in enumerate(compiled["params"])
    ]
