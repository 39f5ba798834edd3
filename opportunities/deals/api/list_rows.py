"""``GET /api/v1/opportunities/``: the list's rows from columns, without model instances.

The same JSON as ``OpportunitySerializer(many=True)`` (the list's declared serializer, which the
schema and every other action keep), built from ``values()`` rows: the page's opportunities with
their partner's name in one query, their solutions and their team (with the members' names) in
one query each, as tuples. No model instances, no per-opportunity copy, no DRF field walk.

Tenancy and the access policy are the serializer's: the rows come from the view's own queryset
(``selectors.opportunity_list`` and the filters; its COUNT and page SQL compiled once per viewer
shape, ``list_compiled.py``) and pagination, and the fields a viewer does not
see are decided per row by ``rules.withheld_fields``, the function ``rules.opportunity_as_seen_by``
asks, then blanked and left out as its copy and the serializer do. Derived values come from the
models' own code (``Opportunity.progress``, ``User.__str__``, the country field's descriptor);
values with a format (dates, times, amounts) from the serializer's own fields.
``tests/opportunities/test_representation.py`` compares the two outputs for every role.
"""

import functools
from datetime import datetime
from typing import Any, cast

from django.db import connections
from django.db.models import BooleanField, F, Func, OuterRef, QuerySet, Subquery, Value
from rest_framework.fields import ISO_8601, DateTimeField
from rest_framework.response import Response
from rest_framework.settings import api_settings

from cosell.partners.models import Partner, User
from opportunities import rules
from opportunities.deals.api.list_compiled import CompiledList
from opportunities.deals.api.serializers import OpportunitySerializer
from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember

# The opportunity's columns the list reads (the policy's reads included: ``partner_id``).
COLUMNS = (
    "id",
    "partner_id",
    "partner_name",
    "name",
    "category",
    "deal_type",
    "status",
    "stage",
    "customer_name",
    "customer_address",
    "customer_country",
    "customer_size",
    "customer_duns",
    "contact_consent",
    "contact_name",
    "contact_email",
    "contact_phone",
    "value",
    "currency",
    "close_date",
    "notes",
    "help_needed",
    "assessment_type",
    "crm_id",
    "purchase_intent",
    "close_reason",
    "close_notes",
    "closed_at",
    "customer_account",
    "version",
    "created_at",
    "updated_at",
)
# The partner's name as a subquery, not a join: the page's count leaves it out (an unused
# annotation), and PostgreSQL reads it for the page's rows only, after the sort and limit.
PARTNER_NAME = Subquery(Partner.objects.filter(pk=OuterRef("partner_id")).order_by().values("name"))
SOLUTION_COLUMNS = ("opportunity_id", "kind", "offer_id", "name", "offer__name")
TEAM_COLUMNS = (
    "opportunity_id",
    "user_id",
    "user__first_name",
    "user__last_name",
    "user__username",
    "role",
    "added_at",
)


class Columns:
    """A row's columns as attributes, for the models' and the policy's own functions (which read
    ``opportunity.partner_id``, ``opportunity.stage``...). A column the list did not select
    raises ``AttributeError``: a rule reading more than ``COLUMNS`` fails loudly, never
    quietly on a missing value."""

    __slots__ = ("_row",)

    def __init__(self, row: dict[str, Any]):
        self._row = row

    def __getattr__(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(name) from None


class _UserName:
    """What ``User.__str__`` reads of a user (its full name, else its username)."""

    __slots__ = ("first_name", "last_name", "username")
    get_full_name = User.get_full_name
    __str__ = User.__str__

    def __init__(self, first_name: str, last_name: str, username: str):
        self.first_name, self.last_name, self.username = first_name, last_name, username


def list_queryset(view) -> QuerySet:
    """The page's rows: the view's queryset and filters, these columns."""
    return (
        view.filter_queryset(view.get_queryset())
        .prefetch_related(None)
        .annotate(partner_name=PARTNER_NAME)
        .values(*COLUMNS)
    )


# The same queryset's COUNT and page SQL, compiled once per viewer shape and filters.
compiled_list = CompiledList(list_queryset)


def respond(view, request) -> Response:
    """The list action's response: the view's queryset, filters and pagination, these rows."""
    queryset: Any = compiled_list.rows(view, request)
    if queryset is None:
        queryset = list_queryset(view)
    page = view.paginate_queryset(queryset)
    data = representations(page if page is not None else list(queryset), request.user)
    return view.get_paginated_response(data) if page is not None else Response(data)


class _AnyOf(Func):
    """``value = ANY(array)``: the page's ids bound as one array, so the SQL does not change
    with their number."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


class ByOpportunity:
    """The rows of a ``values_list`` queryset that belong to the page's opportunities, grouped
    by opportunity (its first column), in the queryset's order. The ORM compiles its SQL once
    per process; each page runs it with its own ids."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    @functools.cached_property
    def _compiled(self) -> tuple[str, str]:
        queryset = self.queryset.filter(_AnyOf(F("opportunity_id"), Value([0])))
        sql, params = queryset.query.sql_with_params()
        if list(params) != [[0]]:  # the page's ids must be its only parameter
            raise ValueError(f"unexpected parameters {params!r} in {sql}")
        return queryset.db, sql

    def __call__(self, ids: list[int]) -> dict[int, list[tuple]]:
        db, sql = self._compiled
        with connections[db].cursor() as cursor:
            cursor.execute(sql, [ids])
            rows = cursor.fetchall()
        grouped: dict[int, list[tuple]] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(row)
        return grouped


# Ordered as their models order them, as the prefetches did.
page_solutions = ByOpportunity(OpportunitySolution.objects.values_list(*SOLUTION_COLUMNS))
page_team = ByOpportunity(TeamMember.objects.values_list(*TEAM_COLUMNS))


@functools.cache
def _serializer_fields():
    """The list serializer's bound fields, built once (a ``ModelSerializer`` introspects its model
    for every new instance); only their ``to_representation`` is used."""
    return OpportunitySerializer().fields


def _datetime_representation(field: DateTimeField):
    """``field.to_representation`` for a non-empty value, the format and time zone read once
    (DRF reads them for every value): ISO 8601, in the current time zone, UTC as ``Z``."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or output_format.lower() != ISO_8601 or zone is None:
        return field.to_representation

    def represent(value: datetime) -> str:
        if value.tzinfo is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


def representations(rows: list[dict[str, Any]], user) -> list[dict[str, Any]]:
    """``OpportunitySerializer(many=True)``'s output for ``rows`` (``values(*COLUMNS)``) as
    ``user`` may see them."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    solutions = page_solutions(ids)
    team = page_team(ids)
    fields = _serializer_fields()
    team_fields = fields["team"].child.fields
    created_at = _datetime_representation(fields["created_at"])
    updated_at = _datetime_representation(fields["updated_at"])
    closed_at = _datetime_representation(fields["closed_at"])
    added_at = _datetime_representation(team_fields["added_at"])
    value = fields["value"].to_representation
    close_date = fields["close_date"].to_representation
    progress = Opportunity.progress.fget
    country = cast(Any, Opportunity.customer_country).country
    country_codes: dict[str, str] = {}
    out = []
    for row in rows:
        columns = Columns(row)
        withheld = rules.withheld_fields(user, cast(Opportunity, columns))
        if withheld:  # as rules.opportunity_as_seen_by's copy: blanked, then left out
            row = {**row, **dict.fromkeys(withheld, "")}
        code = row["customer_country"]
        if code not in country_codes:
            country_codes[code] = country(code).code
        consent = row["contact_consent"]
        data = {
            "id": row["id"],
            "name": row["name"],
            "category": row["category"],
            "deal_type": row["deal_type"],
            "status": row["status"],
            "stage": row["stage"],
            "progress": progress(columns),
            "partner": {"id": row["partner_id"], "name": row["partner_name"]},
            "customer_name": row["customer_name"],
            "customer_address": row["customer_address"],
            "customer_country": country_codes[code],
            "customer_size": row["customer_size"],
            "customer_duns": row["customer_duns"],
            "contact_consent": consent,
            "contact": {
                "name": row["contact_name"],
                "email": row["contact_email"],
                "phone": row["contact_phone"],
            }
            if consent
            else None,
            "value": None if row["value"] is None else value(row["value"]),
            "currency": row["currency"],
            "close_date": None if row["close_date"] is None else close_date(row["close_date"]),
            "notes": row["notes"],
            "help_needed": row["help_needed"],
            "assessment_type": row["assessment_type"],
            "crm_id": row["crm_id"],
            "purchase_intent": row["purchase_intent"],
            "solutions": [
                {"kind": kind, "offer_id": offer_id, "name": offer_name if offer_id else name}
                for _, kind, offer_id, name, offer_name in solutions.get(row["id"], ())
            ],
            "team": [
                {
                    "user_id": user_id,
                    "name": str(_UserName(first_name, last_name, username)),
                    "role": role,
                    "added_at": added_at(at),
                }
                for _, user_id, first_name, last_name, username, role, at in team.get(row["id"], ())
            ],
            "close_reason": row["close_reason"],
            "close_notes": row["close_notes"],
            "closed_at": None if row["closed_at"] is None else closed_at(row["closed_at"]),
            "customer_account": row["customer_account"],
            "version": row["version"],
            "created_at": created_at(row["created_at"]),
            "updated_at": updated_at(row["updated_at"]),
        }
        for name in withheld:
            data.pop(name, None)
        out.append(data)
    return out
