"""Applying an import: every row or none, in one transaction.

The partner's row is locked first (the lock order: partner, then opportunity), so the
duplicate rule holds against deals recorded meanwhile; then the rows are planned again against
the data as it is now (``imports.plan``: a reviewed dry run is never trusted) and, when no row
fails, written. New deals are written set-based, as ``opportunity_create`` would write them
one by one: the deals, their solutions, their owner, the audit events and the webhook events in
a few bulk statements; a deal shared with Microsoft sends its lead through ``microsoft_lead``.
Changes to existing deals go through ``opportunity_update``, ``opportunity_set_stage`` and
``opportunity_close``, row by row, with all their rules.
"""

import json
from datetime import datetime
from typing import cast

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from cosell.core import audit, bulk
from cosell.core.errors import DomainError, ValidationFailed
from cosell.partners.models import Partner
from cosell.webhooks import outbox
from opportunities import events
from opportunities.deals.choices import CO_SELL_CATEGORIES, DealType, Stage
from opportunities.deals.imports.plan import Planned, plan_import
from opportunities.deals.imports.report import RowInput
from opportunities.deals.models import (
    Opportunity,
    OpportunitySolution,
    TeamMember,
    normalize_customer_name,
)
from opportunities.deals.services.changes import (
    opportunity_close,
    opportunity_set_stage,
    opportunity_update,
)
from opportunities.deals.services.common import EDITABLE_FIELDS
from opportunities.deals.services.sharing import deal_type_for, microsoft_lead
from opportunities.leads.models import Lead


class _Rollback(Exception):
    pass


def opportunities_import_apply(
    *, partner: Partner, actor, now: datetime, rows: list[RowInput], progress=None
) -> tuple[list[Planned], bool]:
    """Plan ``rows`` under the partner's lock and, when none fails, write them all; returns
    (the plan, whether it was written). Any failure while writing rolls everything back and is
    reported on its row."""
    planned: list[Planned] = []
    try:
        with transaction.atomic():
            Partner.objects.select_for_update().filter(pk=partner.pk).first()
            planned = plan_import(partner=partner, actor=actor, rows=rows, progress=progress)
            if not all(item.ok for item in planned):
                return planned, False
            if progress is not None:
                progress(len(planned), phase="writing")
            _create_all(partner, actor, now, [p for p in planned if p.result.outcome == "create"])
            updates = [p for p in planned if p.result.outcome == "update"]
            _update_all([p for p in updates if _is_simple(p)], actor=actor, now=now)
            for item in updates:
                if not _is_simple(item):
                    _update(item, actor=actor, now=now)
    except _Rollback:
        return planned, False
    return planned, True


def _is_simple(item: Planned) -> bool:
    """A change of fields and stage only: written set-based. Solutions, closing and a
    partner-led deal asking for help (its lead to Microsoft changes) go through the services."""
    turns_co_sell = item.updated.deal_type == DealType.PARTNER_LED and bool(
        item.changes.get("help_needed")
    )
    return item.solutions is None and item.close is None and not turns_co_sell


def _update_all(items: list[Planned], *, actor, now: datetime) -> None:
    """What ``opportunity_update`` and ``opportunity_set_stage`` write, for many deals at once:
    the rows locked (after the partner's, in id order), each checked unchanged since the plan
    read it, then one UPDATE per set of changed fields, the audit events and one webhook event
    per deal."""
    if not items:
        return
    ids = sorted(item.updated.pk for item in items)
    locked = {
        o.pk: o for o in Opportunity.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    invitees: dict[int, list[int]] = {}
    for opportunity_id, partner_id in Lead.objects.filter(
        opportunity_id__in=ids,
        receiver=Lead.Receiver.PARTNER,
        status__in=(Lead.Status.RECEIVED, Lead.Status.ACCEPTED),
    ).values_list("opportunity_id", "receiver_partner_id"):
        invitees.setdefault(opportunity_id, []).append(partner_id)
    by_fields: dict[tuple, list[Opportunity]] = {}
    audit_events, outbox_items = [], []
    owner = actor if actor is not None and actor.is_authenticated else None
    for item in items:
        opportunity = locked.get(item.updated.pk)
        if opportunity is None or opportunity.version != item.updated.version:
            item.result.outcome = "error"
            item.result.errors = {
                "non_field_errors": [
                    _("The opportunity changed while the file was checked; upload it again.")
                ]
            }
            raise _Rollback
        changed = sorted(item.changes)
        for name in changed:
            setattr(opportunity, name, item.changes[name])
        fields = [*changed]
        if changed:
            opportunity.customer_name_normalized = normalize_customer_name(
                opportunity.customer_name
            )
            opportunity.version += 1
            fields.append("customer_name_normalized")
            audit_events.append(
                audit.build(opportunity, "updated", actor=owner, at=now, extra={"fields": changed})
            )
        if item.stage:
            audit_events.append(
                audit.build(
                    opportunity,
                    "stage_changed",
                    frm=opportunity.stage,
                    to=item.stage,
                    actor=owner,
                    at=now,
                )
            )
            opportunity.stage = item.stage
            opportunity.version += 1
            fields.append("stage")
            changed.append("stage")
        opportunity.updated_at = now
        by_fields.setdefault(tuple(sorted([*fields, "version", "updated_at"])), []).append(
            opportunity
        )
        outbox_items.append(
            (
                opportunity,
                events.opportunity_recipients(
                    opportunity, invitee_ids=invitees.get(opportunity.pk, []), changed=changed
                ),
            )
        )
    for field_names, opportunities in by_fields.items():
        _set_columns(opportunities, list(field_names))
    audit.bulk_record(audit_events)
    outbox.emit_many(event_type="opportunity.updated", items=outbox_items, at=now)


def _set_columns(opportunities: list[Opportunity], names: list[str]) -> None:
    """One UPDATE of ``names`` for all ``opportunities``, the new values passed as one array
    per column (``bulk_update`` builds a CASE per row and field in Python: seconds for a
    thousand rows). Elsewhere than PostgreSQL: ``bulk_update``."""
    if not bulk.copy_supported():
        Opportunity.objects.bulk_update(opportunities, names, batch_size=500)
        return
    fields = [cast(models.Field, Opportunity._meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    assignments, columns, params = [], [], []
    for field in fields:
        is_json = isinstance(field, models.JSONField)
        column = quote(cast(str, field.column))  # concrete fields have a column
        columns.append(f"%s::{'text' if is_json else field.db_type(connection)}[]")
        assignments.append(f"{column} = v.{column}{'::jsonb' if is_json else ''}")
        values = [o.__dict__.get(field.attname) for o in opportunities]
        params.append([json.dumps(v) for v in values] if is_json else values)
    names_sql = ", ".join(quote(cast(str, field.column)) for field in fields)
    # Names from the model's own fields; every value is bound.
    table, sets, arrays = (
        quote(Opportunity._meta.db_table),
        ", ".join(assignments),
        ", ".join(columns),
    )
    statement = f"UPDATE {table} AS o SET {sets} FROM unnest(%s::bigint[], {arrays}) "  # noqa: S608
    statement += f"AS v(id, {names_sql}) WHERE o.id = v.id"
    with connection.cursor() as cursor:
        cursor.execute(statement, [[o.pk for o in opportunities], *params])


def _update(item: Planned, *, actor, now: datetime) -> None:
    opportunity_id = item.updated.pk
    try:
        if item.changes or item.solutions is not None:
            opportunity_update(
                opportunity_id=opportunity_id,
                actor=actor,
                now=now,
                solutions=item.solutions,
                **item.changes,
            )
        if item.stage:
            opportunity_set_stage(
                opportunity_id=opportunity_id, stage=item.stage, actor=actor, now=now
            )
        if item.close:
            opportunity_close(
                opportunity_id=opportunity_id,
                outcome=item.close["outcome"],
                reason=item.close.get("reason", ""),
                actor=actor,
                now=now,
            )
    except (DomainError, DjangoValidationError, PermissionDenied) as exc:
        item.result.outcome = "error"
        item.result.errors = _errors_of(exc)
        raise _Rollback from None


def _errors_of(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationFailed):
        return exc.errors
    if isinstance(exc, DomainError):
        return {"non_field_errors": [exc.message]}
    if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    if isinstance(exc, DjangoValidationError):
        return {"non_field_errors": [str(m) for m in exc.messages]}
    return {"non_field_errors": [str(exc) or _("Not allowed.")]}


def _new_opportunity(partner, actor, now, item: Planned) -> tuple[Opportunity, list]:
    assert item.create is not None  # a planned creation
    fields = dict(item.create)
    category = fields.pop("category")
    solutions = fields.pop("solutions", None) or []
    share = fields.pop("share_with_microsoft", True)
    deal_type = fields.pop("deal_type", "") or ""
    if deal_type == DealType.PARTNER_LED:
        share = True
    category, deal_type = deal_type_for(category, fields.get("help_needed"), share)
    opportunity = Opportunity(
        partner=partner,
        category=category,
        deal_type=deal_type,
        stage=item.stage or Stage.CREATED,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
        updated_at=now,
        **{name: value for name, value in fields.items() if name in EDITABLE_FIELDS},
    )
    opportunity.customer_name_normalized = normalize_customer_name(opportunity.customer_name)
    # (kind, offer id, name) as ``clean_solutions`` orders them: the offers first.
    offers = sorted({int(s["offer_id"]) for s in solutions if s.get("offer_id") is not None})
    cleaned: list[tuple[str, int | None, str]] = [
        (OpportunitySolution.Kind.OFFER, pk, "") for pk in offers
    ]
    cleaned += [
        (s["kind"], None, s["name"].strip()[:200]) for s in solutions if s.get("offer_id") is None
    ]
    return opportunity, cleaned


def _insert_opportunities(opportunities: list[Opportunity]) -> None:
    """Insert new deals, their ids drawn from the table's sequence first: on PostgreSQL with
    one COPY (``bulk_create`` binds and converts every column of every row in Python, which
    was most of an import's time), elsewhere with ``bulk_create``."""
    if not bulk.copy_supported():
        Opportunity.objects.bulk_create(opportunities)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Opportunity._meta.db_table, len(opportunities)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    fields = Opportunity._meta.concrete_fields
    for opportunity, pk in zip(opportunities, ids, strict=True):
        opportunity.pk = pk
        opportunity._state.adding, opportunity._state.db = False, connection.alias

    # The values as the instances hold them (validated already: strings, Decimal, date,
    # datetime, bool, ids; a country as its code), JSON encoded once.
    names = [field.attname for field in fields]
    json_names = {field.attname for field in fields if isinstance(field, models.JSONField)}
    bulk.copy_rows(
        Opportunity,
        [cast(str, field.column) for field in fields],
        (
            [
                json.dumps(o.__dict__[name]) if name in json_names else o.__dict__.get(name)
                for name in names
            ]
            for o in opportunities
        ),
    )


def _create_all(partner, actor, now: datetime, items: list[Planned]) -> None:
    if not items:
        return
    built = [_new_opportunity(partner, actor, now, item) for item in items]
    opportunities = [opportunity for opportunity, _s in built]
    _insert_opportunities(opportunities)
    solutions, team, audit_events = [], [], []
    owner = actor if actor is not None and actor.is_authenticated and not actor.is_staff else None
    for item, opportunity, (_o, cleaned) in zip(items, opportunities, built, strict=True):
        item.result.opportunity_id = opportunity.pk
        solutions += [(opportunity.pk, kind, offer_id, name) for kind, offer_id, name in cleaned]
        if owner is not None:
            team.append((opportunity.pk, owner.pk, TeamMember.Role.OWNER, now))
        audit_events.append(
            audit.build(
                opportunity,
                "created",
                to=Opportunity.Status.ACTIVE,
                actor=owner or None,
                at=now,
                extra={
                    "category": opportunity.category,
                    "deal_type": opportunity.deal_type,
                    "invite_microsoft": False,
                    "confirmed_duplicate": False,
                    "import": True,
                },
            )
        )
        if opportunity.stage != Stage.CREATED:
            audit_events.append(
                audit.build(
                    opportunity,
                    "stage_changed",
                    frm=Stage.CREATED,
                    to=opportunity.stage,
                    actor=owner or None,
                    at=now,
                )
            )
    _insert_rows(OpportunitySolution, ["opportunity_id", "kind", "offer_id", "name"], solutions)
    _insert_rows(TeamMember, ["opportunity_id", "user_id", "role", "added_at"], team)
    audit.bulk_record(audit_events)
    outbox.emit_many(
        event_type="opportunity.created",
        items=[
            (opportunity, events.opportunity_recipients(opportunity, invitee_ids=[]))
            for opportunity in opportunities
        ],
        at=now,
    )
    for opportunity in opportunities:
        if opportunity.category in CO_SELL_CATEGORIES:
            microsoft_lead(opportunity, actor=actor, now=now)


def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if bulk.copy_supported():
        bulk.copy_rows(model, columns, rows)
    else:
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
