"""Set-based validation of an import: what each row would do, without writing anything.

Everything a row is checked against is loaded once for the whole file (the deals it names by
id or CRM id, the partner's offers, its co-sell readiness, the active deals a new row could
duplicate) and the rows are validated by one serializer each for creates and updates, so the
cost is a handful of queries and Python per row, not a transaction per row. The rules are the
services' own (``category_errors``, ``deal_type_errors``, ``consent.require``, the duplicate
rule, the stage rules); the apply service runs the same plan again under the partner's lock.

Matching: the portal's id when the importer can see that deal, else the partner's own deal
with the CRM id, else a new deal. An id the importer cannot see (another partner's deal, or
none) is ignored, so a row reveals nothing about deals outside its reach. A row that repeats a
deal as it is (a closed deal, a deal the partner was invited to) is "unchanged", not an error.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from offers.models import CO_SELL_READY_STATUSES, Offer
from opportunities import consent, rules
from opportunities.deals import selectors
from opportunities.deals.choices import STAGE_ORDER, STAGE_PROGRESS, Category, DealType, Stage
from opportunities.deals.imports.report import RowInput, RowResult
from opportunities.deals.inputs import OpportunityCreateSerializer, OpportunityFieldsSerializer
from opportunities.deals.models import Opportunity, OpportunitySolution, normalize_customer_name
from opportunities.deals.services.changes import _is_next_stage, _next_stage
from opportunities.deals.services.common import category_errors
from opportunities.deals.services.sharing import deal_type_errors, deal_type_for

STRING_FIELDS = (
    "name", "customer_name", "customer_address", "customer_size", "customer_duns",
    "contact_name", "contact_email", "contact_phone", "currency", "notes", "assessment_type",
    "crm_id", "purchase_intent",
)  # fmt: skip


@dataclass
class Planned:
    row: RowInput
    result: RowResult
    existing: Opportunity | None = None
    create: dict | None = None  # validated arguments of ``opportunity_create``
    changes: dict = field(default_factory=dict)  # validated field changes
    solutions: list[dict] | None = None  # the new solutions of an update, when they change
    stage: str = ""  # a stage to move to
    close: dict | None = None

    @property
    def ok(self) -> bool:
        return self.result.outcome != "error"

    @property
    def updated(self) -> Opportunity:
        """The existing deal a planned update writes (only asked of updates)."""
        assert self.existing is not None, "not an update"
        return self.existing


def _serializer_errors(errors) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (errors or {}).items():
        if isinstance(value, dict):
            for sub, messages in _serializer_errors(value).items():
                out[f"{key}.{sub}"] = messages
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                for sub, messages in _serializer_errors(item).items():
                    out[f"{key}.{i}.{sub}"] = messages
        else:
            out[key] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return out


def _validate_many(serializer_class, datas: list[dict], **kwargs) -> list[tuple[dict, dict]]:
    """(validated data, errors) per item: one serializer, its fields built once (building
    them is most of a serializer's cost), run on each item."""
    serializer = serializer_class(data={}, **kwargs)
    out = []
    for data in datas:
        try:
            out.append((dict(serializer.run_validation(data)), {}))
        except ValidationError as exc:
            detail = (
                exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            )
            out.append(({}, _serializer_errors(detail)))
    return out


def _solution_key(item) -> tuple:
    if isinstance(item, OpportunitySolution):
        if item.offer_id:
            return ("offer", item.offer_id)
        return (item.kind, item.name.strip().casefold())
    if item.get("offer_id") is not None:
        return ("offer", int(item["offer_id"]))
    return (item.get("kind", ""), (item.get("name") or "").strip().casefold())


def _solution_errors(category: str, solutions, offer_ids: set[int]) -> list[str]:
    """``clean_solutions``' rules, against the partner's offers loaded once."""
    if category == Category.SOLUTION_ASSESSMENT:
        return [_("A solution assessment carries only its assessment type.")] if solutions else []
    if not solutions:
        return [_("Add at least one solution.")]
    missing = sorted(
        int(s["offer_id"])
        for s in solutions
        if s.get("offer_id") is not None and int(s["offer_id"]) not in offer_ids
    )
    if missing:
        return [_("These offers are not yours: %s.") % missing]
    return []


def _same(field_name: str, new, old) -> bool:
    if field_name in STRING_FIELDS:
        return (new or "").strip() == (old or "").strip()
    if field_name == "customer_country":
        return (new or "") == (old.code if old else "")
    if field_name == "value":
        return (None if new is None else Decimal(new)) == old
    if field_name == "help_needed":
        return list(new or []) == list(old or [])
    return new == old


class _Context:
    """What the whole file is checked against, loaded once."""

    def __init__(self, *, partner, actor, rows: list[RowInput]):
        self.partner = partner
        ids = {row.id for row in rows if row.id is not None}
        crm_ids = {row.crm_id for row in rows if row.crm_id}
        self.visible = (
            {o.pk: o for o in selectors.opportunity_list(user=actor).filter(pk__in=ids)}
            if ids
            else {}
        )
        self.by_crm_id: dict[str, Opportunity] = {}
        if crm_ids:
            for opportunity in (
                Opportunity.objects.filter(partner=partner, crm_id__in=crm_ids)
                .prefetch_related("solutions")
                .order_by("id")
            ):
                self.by_crm_id.setdefault(opportunity.crm_id, opportunity)
        offers = list(Offer.objects.filter(partner=partner).values_list("pk", "co_sell_status"))
        self.offer_ids = {pk for pk, _status in offers}
        self.co_sell_ready = any(status in CO_SELL_READY_STATUSES for _pk, status in offers)
        self.actor = actor
        # (name, solution keys, assessment type) of the active deals a new one could duplicate
        # and of the new deals planned so far, by normalised customer name and by DUNS.
        self.by_name: dict[str, list[tuple]] = {}
        self.by_duns: dict[str, list[tuple]] = {}

    def load_duplicates(self, creates: list[dict]) -> None:
        names = {normalize_customer_name(c["customer_name"]) for c in creates}
        duns = {c["customer_duns"] for c in creates if c.get("customer_duns")}
        if not names and not duns:
            return
        from django.db.models import Q

        same = Q(customer_name_normalized__in=names)
        if duns:
            same |= Q(customer_duns__in=duns)
        for opportunity in (
            Opportunity.objects.filter(partner=self.partner, status=Opportunity.Status.ACTIVE)
            .filter(same)
            .prefetch_related("solutions")
            .order_by("created_at", "id")
        ):
            entry = (
                opportunity.name,
                {_solution_key(s) for s in opportunity.solutions.all()},
                opportunity.assessment_type,
            )
            self.by_name.setdefault(opportunity.customer_name_normalized, []).append(entry)
            if opportunity.customer_duns:
                self.by_duns.setdefault(opportunity.customer_duns, []).append(entry)

    def duplicate_of(self, fields: dict) -> str | None:
        """The name of an active deal (or an earlier row) this new deal would duplicate:
        ``find_duplicate``'s rule, the same customer and an overlapping solution."""
        name = normalize_customer_name(fields["customer_name"])
        duns = fields.get("customer_duns") or ""
        keys = {_solution_key(s) for s in fields.get("solutions") or ()}
        assessment = fields.get("assessment_type") or ""
        candidates = self.by_name.get(name, []) + (self.by_duns.get(duns, []) if duns else [])
        for their_name, their_keys, their_assessment in candidates:
            if keys & their_keys if keys or not assessment else assessment == their_assessment:
                return their_name
        entry = (fields["name"], keys, assessment)
        self.by_name.setdefault(name, []).append(entry)
        if duns:
            self.by_duns.setdefault(duns, []).append(entry)
        return None


def _resolve_stage(row: RowInput, current: str | None) -> str:
    """The stage a row asks for: its ``stage``, or the stage of its percentage (the current
    stage when that is already at the percentage: created and accepted are both 10%)."""
    if row.stage_percent is None:
        return row.stage
    if current is not None and STAGE_PROGRESS.get(current) == row.stage_percent:
        return current
    for stage in STAGE_ORDER:
        if STAGE_PROGRESS[stage] == row.stage_percent:
            return stage
    return "?"


def _stage_errors(category: str, old: str, new: str) -> list[str]:
    if new not in Stage.values:
        return [_("Choose one of: %s.") % ", ".join(Stage.values)]
    if new == Stage.WON:
        return [_("Close the opportunity as won instead.")]
    if category == Category.SOLUTION_ASSESSMENT and new != old and not _is_next_stage(old, new):
        return [
            _("A solution assessment passes each stage in order: after “%(old)s” comes “%(next)s”.")
            % {"old": Stage(old).label, "next": Stage(_next_stage(old)).label}
        ]
    return []


def plan_import(*, partner, actor, rows: list[RowInput], progress=None) -> list[Planned]:
    """What each row would do; nothing is written and no lock is taken."""
    context = _Context(partner=partner, actor=actor, rows=rows)
    planned: list[Planned] = []
    updates: list[Planned] = []
    creates: list[Planned] = []
    for row in rows:
        item = Planned(
            row=row,
            result=RowResult(line=row.line, outcome="error", crm_id=row.crm_id, name=row.name),
        )
        planned.append(item)
        existing = context.visible.get(row.id) if row.id is not None else None
        if existing is None and row.crm_id:
            existing = context.by_crm_id.get(row.crm_id)
        item.existing = existing
        (updates if existing is not None else creates).append(item)

    update_data = [{k: v for k, v in p.row.data.items() if k != "category"} for p in updates]
    for done, (item, (data, errors)) in enumerate(
        zip(
            updates,
            _validate_many(OpportunityFieldsSerializer, update_data, partial=True),
            strict=True,
        ),
        start=1,
    ):
        _plan_update(item, data, errors, context)
        if progress is not None:
            progress(done)
    create_results = _validate_many(OpportunityCreateSerializer, [p.row.data for p in creates])
    context.load_duplicates([data for data, errors in create_results if not errors])
    for done, (item, (data, errors)) in enumerate(
        zip(creates, create_results, strict=True), start=len(updates) + 1
    ):
        _plan_create(item, data, errors, context)
        if progress is not None:
            progress(done)
    for item in planned:
        if item.row.errors:  # what reading the file found comes first, with the rest
            item.result.outcome = "error"
            item.result.errors = {**item.row.errors, **item.result.errors}
            item.create, item.changes, item.solutions, item.stage, item.close = (
                None, {}, None, "", None
            )  # fmt: skip
    return planned


def _plan_update(item: Planned, data: dict, errors: dict, context: _Context) -> None:
    existing, row, result = item.existing, item.row, item.result
    result.opportunity_id = existing.pk
    if errors:
        result.errors = errors
        return
    seen = rules.opportunity_as_seen_by(existing, context.actor)
    solutions = data.pop("solutions", None)
    changes = {
        name: value for name, value in data.items() if not _same(name, value, getattr(seen, name))
    }
    if solutions is not None:
        before = sorted(_solution_key(s) for s in existing.solutions.all())
        if sorted(_solution_key(s) for s in solutions) != before:
            item.solutions = solutions
    stage = _resolve_stage(row, existing.stage) if (row.stage or row.stage_percent) else ""
    stage_changes = bool(stage) and stage != existing.stage
    close = row.close if row.close and row.close.get("outcome") != existing.status else None
    if not (changes or item.solutions is not None or stage_changes or close):
        result.outcome = "unchanged"
        return
    if existing.partner_id != context.partner.pk:
        result.errors = {
            "non_field_errors": [
                _(
                    "You were invited to this deal: only its owner changes it. Leave the row "
                    "as it was exported."
                )
            ]
        }
        return
    if existing.is_terminal:
        result.errors = {
            "non_field_errors": [
                _("This opportunity is closed (%(status)s); nothing changes any more.")
                % {"status": existing.get_status_display()}
            ]
        }
        return
    if row.refuse_changes:
        result.errors = {row.refuse_field or "non_field_errors": [row.refuse_changes]}
        return
    consent.withdraw(changes)
    merged = {**{n: getattr(existing, n) for n in data}, **changes}
    merged.setdefault("name", existing.name)
    merged.setdefault("customer_name", existing.customer_name)
    for name in ("contact_consent", *consent.CONTACT_FIELDS):
        merged.setdefault(name, getattr(existing, name))
    merged.setdefault("assessment_type", existing.assessment_type)
    merged.setdefault(
        "customer_country", existing.customer_country.code if existing.customer_country else ""
    )
    found: dict[str, list[str]] = {}
    consent.require(merged, found)
    rule_errors = category_errors(
        context.partner, existing.category, merged, co_sell_ready=context.co_sell_ready
    )
    rule_errors.pop("category", None)
    found.update(rule_errors)
    help_needed = merged.get("help_needed", existing.help_needed)
    if existing.deal_type == DealType.CO_SELL and not help_needed:
        found["help_needed"] = [
            _("A co-sell deal asks Microsoft for help: keep at least one kind of help.")
        ]
    if item.solutions is not None:
        problems = _solution_errors(existing.category, item.solutions, context.offer_ids)
        if problems:
            found["solutions"] = problems
    if stage_changes:
        problems = _stage_errors(existing.category, existing.stage, stage)
        if problems:
            found["stage"] = problems
    if close and close.get("outcome") not in Opportunity.Status.values:
        found["status"] = [_("This status cannot be set in a file.")]
    if found:
        result.errors = found
        return
    item.changes = changes
    item.stage = stage if stage_changes else ""
    item.close = close
    result.outcome = "update"


def _plan_create(item: Planned, data: dict, errors: dict, context: _Context) -> None:
    row, result = item.row, item.result
    if errors:
        result.errors = errors
        return
    if row.refuse_changes:
        result.errors = {row.refuse_field or "non_field_errors": [row.refuse_changes]}
        return
    if row.close:
        result.errors = {"status": [_("A new deal starts active: close it once it exists.")]}
        return
    data.pop("invite_partner_ids", None)  # files do not invite partners
    data.pop("invite_microsoft", None)
    confirm = data.pop("confirm_duplicate", False)
    category = data["category"]
    fields = {**data, "name": data["name"].strip(), "customer_name": data["customer_name"].strip()}
    found = category_errors(context.partner, category, fields, co_sell_ready=context.co_sell_ready)
    found.update(deal_type_errors(category, data.get("deal_type", ""), fields.get("help_needed")))
    for required in ("name", "customer_name"):
        if not fields[required]:
            found[required] = [_("This field is required.")]
    consent.require(fields, found)
    if not found.get("category"):
        share = data.get("share_with_microsoft", True)
        if data.get("deal_type") == DealType.PARTNER_LED:
            share = True
        category, _deal_type = deal_type_for(category, fields.get("help_needed"), share)
    problems = _solution_errors(category, data.get("solutions"), context.offer_ids)
    if problems:
        found["solutions"] = problems
    stage = _resolve_stage(row, Stage.CREATED) if (row.stage or row.stage_percent) else ""
    if stage and stage != Stage.CREATED:
        problems = _stage_errors(category, Stage.CREATED, stage)
        if problems:
            found["stage"] = problems
    if found:
        result.errors = found
        return
    if not confirm:
        duplicate = context.duplicate_of(fields)
        if duplicate is not None:
            result.errors = {
                "non_field_errors": [
                    _("“%(name)s” is already an active opportunity for this customer.")
                    % {"name": duplicate}
                ]
            }
            return
    item.create = fields
    item.stage = stage if stage and stage != Stage.CREATED else ""
    result.outcome = "create"
