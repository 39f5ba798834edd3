"""CSV export of opportunities and leads, and CSV import of opportunities.

Export: streamed, UTF-8 with a BOM (spreadsheet programs then read Chinese text right), at most
EXPORT_LIMIT rows, and every cell a spreadsheet could run as a formula (starting with
``= + - @``, tab or carriage return) is prefixed with a single quote.

Import: at most IMPORT_LIMIT rows. Each row becomes a create, or an update of the partner's own
opportunity with the same CRM id, through the opportunity services. A dry run applies every row
in a transaction that is always rolled back, so it reports exactly what applying would do (line
and field of each error) and writes nothing; applying runs the same code in one transaction
that commits only when no row failed: all or nothing.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from cosell.core.errors import DomainError, ValidationFailed
from cosell.partners.models import Membership

from . import rules, services
from .api.serializers import OpportunityCreateSerializer, OpportunityFieldsSerializer
from .models import Lead, Opportunity, OpportunitySolution, Stage
from .services.opportunities import EDITABLE_FIELDS

EXPORT_LIMIT = 5000
IMPORT_LIMIT = 1000
IMPORT_MAX_BYTES = 5 * 1024 * 1024
CHUNK_SIZE = 500
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"

OPPORTUNITY_COLUMNS = [
    "id",
    "crm_id",
    "name",
    "category",
    "status",
    "stage",
    "partner",
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
    "purchase_intent",
    "solutions",
    "close_reason",
    "closed_at",
    "created_at",
    "updated_at",
]

LEAD_COLUMNS = [
    "id",
    "status",
    "source",
    "direction",
    "opportunity_id",
    "title",
    "sender_partner",
    "receiver",
    "receiver_partner",
    "customer_name",
    "customer_country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "value",
    "currency",
    "close_date",
    "sent_at",
    "expires_at",
    "answered_at",
    "decline_reason",
]


# --- export ---------------------------------------------------------------------------------


def neutralise(value) -> str:
    """The cell as text, defused: a leading ``= + - @``, tab or CR gets a single quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo ``neutralise`` on import, so an exported file imports to the same data."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def streaming_csv(lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cosell-Export-Limit"] = str(EXPORT_LIMIT)
    return response


def _solutions_cell(opportunity: Opportunity) -> str:
    parts = []
    for solution in opportunity.solutions.all():
        if solution.kind == OpportunitySolution.Kind.OFFER:
            parts.append(f"offer:{solution.offer_id}")
        else:
            parts.append(f"{solution.kind}:{solution.name}")
    return f"{LIST_SEPARATOR} ".join(parts)


def opportunity_row(opportunity: Opportunity, *, user) -> list:
    """The row as ``user`` may see it: withheld fields and unconsented contacts are empty."""
    opportunity = rules.opportunity_as_seen_by(opportunity, user)
    values = {
        "id": opportunity.pk,
        "partner": opportunity.partner.name,
        "customer_country": opportunity.customer_country.code
        if opportunity.customer_country
        else "",
        "help_needed": f"{LIST_SEPARATOR} ".join(opportunity.help_needed or []),
        "solutions": _solutions_cell(opportunity),
    }
    row = []
    for column in OPPORTUNITY_COLUMNS:
        if column in values:
            row.append(values[column])
        else:
            row.append(getattr(opportunity, column))
    return row


def export_opportunities(queryset, *, user) -> StreamingHttpResponse:
    """``queryset``: the caller's filtered ``selectors.opportunity_list``."""
    rows = (
        opportunity_row(opportunity, user=user)
        for opportunity in queryset.order_by("-created_at", "-id")[:EXPORT_LIMIT].iterator(
            chunk_size=CHUNK_SIZE
        )
    )
    return streaming_csv(csv_lines(OPPORTUNITY_COLUMNS, rows), "opportunities.csv")


def lead_row(lead: Lead, *, user) -> list:
    lead = rules.lead_as_seen_by(lead, user)
    customer = lead.customer()
    contact = lead.visible_contact
    return [
        lead.pk,
        lead.status,
        lead.source,
        lead.direction,
        lead.opportunity_id,
        lead.display_title,
        lead.sender_partner.name if lead.sender_partner_id else "",
        lead.receiver,
        lead.receiver_partner.name if lead.receiver_partner_id else "",
        customer["name"],
        customer["country"],
        (contact or {}).get("name", ""),
        (contact or {}).get("email", ""),
        (contact or {}).get("phone", ""),
        lead.value,
        lead.currency,
        lead.close_date,
        lead.sent_at,
        lead.expires_at,
        lead.answered_at,
        lead.decline_reason,
    ]


def export_leads(queryset, *, user) -> StreamingHttpResponse:
    """``queryset``: the caller's filtered ``selectors.lead_list``."""
    rows = (
        lead_row(lead, user=user)
        for lead in queryset.order_by("-sent_at", "-id")[:EXPORT_LIMIT].iterator(
            chunk_size=CHUNK_SIZE
        )
    )
    return streaming_csv(csv_lines(LEAD_COLUMNS, rows), "leads.csv")


def lead_filter(queryset, params) -> QuerySet[Lead]:
    """The lead inbox's filters: ``status``, ``q`` (title or customer) and ``direction``."""
    status = params.get("status", "")
    if status in Lead.Status.values:
        queryset = queryset.filter(status=status)
    search = params.get("q", "").strip()
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search)
            | Q(customer_name__icontains=search)
            | Q(opportunity__name__icontains=search)
            | Q(opportunity__customer_name__icontains=search)
        )
    return queryset


# --- import ---------------------------------------------------------------------------------


class ImportRejected(ValidationFailed):
    """The file as a whole cannot be imported (encoding, header, size)."""


@dataclass
class RowResult:
    line: int
    outcome: str  # create | update | unchanged | error
    crm_id: str = ""
    name: str = ""
    opportunity_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "outcome": self.outcome,
            "crm_id": self.crm_id,
            "name": self.name,
            "opportunity_id": self.opportunity_id,
            "errors": self.errors,
        }


@dataclass
class ImportReport:
    dry_run: bool
    applied: bool = False
    rows: list[RowResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.outcome != "error" for row in self.rows)

    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "applied": self.applied,
            "counts": self.counts(),
            "rows": [row.as_dict() for row in self.rows],
        }


def decode(raw: bytes) -> str:
    if len(raw) > IMPORT_MAX_BYTES:
        raise ImportRejected(
            {"file": [_("The file is larger than %(mb)d MB.") % {"mb": IMPORT_MAX_BYTES >> 20}]}
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected({"file": [_("Save the file as CSV UTF-8.")]}) from None


def parse(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: cell}) for each non-empty row; a whole-file problem raises
    ImportRejected."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [restore(h).strip().lower() for h in next(reader, [])]
        missing = [c for c in ("name", "customer_name") if c not in header]
        if not header or missing:
            raise ImportRejected(
                {"file": [_("The header row must name the columns: missing %s.") % missing]}
            )
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(rows) >= IMPORT_LIMIT:
                    raise ImportRejected(
                        {"file": [_("At most %(n)d rows per import.") % {"n": IMPORT_LIMIT}]}
                    )
                values = {
                    column: restore(cells[i]) if i < len(cells) else ""
                    for i, column in enumerate(header)
                    if column
                }
                rows.append((line, values))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRejected({"file": [_("Not a readable CSV file: %s") % exc]}) from None
    if not rows:
        raise ImportRejected({"file": [_("The file has no rows.")]})
    return rows


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _solutions(cell: str) -> list[dict]:
    solutions = []
    for part in _split(cell):
        kind, _sep, name = part.partition(":")
        kind, name = kind.strip(), name.strip()
        if kind == "offer":
            solutions.append({"offer_id": name})
        else:
            solutions.append({"kind": kind, "name": name})
    return solutions


BOOLEANS = {
    "true": True,
    "yes": True,
    "1": True,
    "false": False,
    "no": False,
    "0": False,
    "": False,
}


def _input(values: dict[str, str]) -> dict:
    """The row as the API's serializers take it: only the columns the file has."""
    data: dict = {}
    for column in (*EDITABLE_FIELDS, "category", "solutions"):
        if column not in values:
            continue
        cell = values[column].strip() if column != "notes" else values[column]
        if column == "help_needed":
            data[column] = _split(cell)
        elif column == "solutions":
            if cell:
                data[column] = _solutions(cell)
        elif column == "contact_consent":
            data[column] = BOOLEANS.get(cell.lower(), cell)
        elif column in ("value", "close_date"):
            data[column] = cell or None
        elif column in ("currency", "purchase_intent") and not cell:
            continue
        else:
            data[column] = cell
    return data


def _errors_of(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationFailed):
        return exc.errors
    if isinstance(exc, DomainError):
        return {"non_field_errors": [exc.message]}
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return {k: [str(m) for m in v.messages] for k, v in exc.error_dict.items()}
        return {"non_field_errors": [str(m) for m in exc.messages]}
    if isinstance(exc, PermissionDenied):
        return {"non_field_errors": [str(exc) or _("Not allowed.")]}
    raise exc


def _serializer_errors(errors) -> dict[str, list[str]]:
    return {
        key: [str(m) for m in (value if isinstance(value, list) else [value])]
        for key, value in errors.items()
    }


def _apply_row(line: int, values: dict[str, str], *, partner, actor, now) -> RowResult:
    crm_id = values.get("crm_id", "").strip()
    result = RowResult(line=line, outcome="error", crm_id=crm_id, name=values.get("name", ""))
    data = _input(values)
    stage = values.get("stage", "").strip()
    if stage and stage not in Stage.values:
        result.errors["stage"] = [_("Choose one of: %s.") % ", ".join(Stage.values)]
        return result
    existing = (
        Opportunity.objects.filter(partner=partner, crm_id=crm_id).order_by("id").first()
        if crm_id
        else None
    )
    if existing is None:
        serializer = OpportunityCreateSerializer(data=data)
        if not serializer.is_valid():
            result.errors = _serializer_errors(serializer.errors)
            return result
        opportunity = services.opportunity_create(
            partner=partner, actor=actor, now=now, **serializer.validated_data
        )
        result.outcome = "create"
    else:
        data.pop("category", None)
        serializer = OpportunityFieldsSerializer(data=data, partial=True)
        if not serializer.is_valid():
            result.errors = _serializer_errors(serializer.errors)
            return result
        opportunity = services.opportunity_update(
            opportunity_id=existing.pk, actor=actor, now=now, **serializer.validated_data
        )
        result.outcome = "update" if opportunity.version != existing.version else "unchanged"
    if stage and stage != opportunity.stage:
        try:
            opportunity = services.opportunity_set_stage(
                opportunity_id=opportunity.pk, stage=stage, actor=actor, now=now
            )
        except DomainError as exc:
            raise _RowFailed({"stage": _errors_of(exc).popitem()[1]}) from None
        if result.outcome == "unchanged":
            result.outcome = "update"
    result.opportunity_id = opportunity.pk
    return result


class _RowFailed(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


class _Rollback(Exception):
    pass


def can_import(user, partner) -> bool:
    membership = user.membership_or_none if user.is_authenticated else None
    return (
        partner is not None
        and membership is not None
        and membership.partner_id == partner.pk
        and membership.role == Membership.Role.ADMIN
    )


def opportunities_import(
    *, partner, actor, now: datetime, raw: bytes, dry_run: bool
) -> ImportReport:
    """Import opportunities from CSV ``raw`` for ``partner`` (its admins only).

    Each row runs through the services in its own savepoint, so every row's outcome is known;
    the whole import is one transaction, rolled back for a dry run or when any row failed.
    """
    if not can_import(actor, partner):
        raise PermissionDenied(_("Only the partner's admins import its opportunities."))
    rows = parse(decode(raw))
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            for line, values in rows:
                try:
                    with transaction.atomic():
                        report.rows.append(
                            _apply_row(line, values, partner=partner, actor=actor, now=now)
                        )
                except _RowFailed as exc:
                    report.rows.append(_failed(line, values, exc.errors))
                except (DomainError, DjangoValidationError, PermissionDenied) as exc:
                    report.rows.append(_failed(line, values, _errors_of(exc)))
            if dry_run or not report.ok:
                raise _Rollback
            report.applied = True
    except _Rollback:
        pass
    return report


def _failed(line: int, values: dict, errors: dict) -> RowResult:
    return RowResult(
        line=line,
        outcome="error",
        crm_id=values.get("crm_id", "").strip(),
        name=values.get("name", ""),
        errors=errors,
    )
