"""CSV export of opportunities and leads, and CSV import of opportunities.

Export: streamed, UTF-8 with a BOM (spreadsheet programs then read Chinese text right), at most
EXPORT_LIMIT rows, and every cell a spreadsheet could run as a formula (starting with
``= + - @``, tab or carriage return) is prefixed with a single quote.

Import: at most IMPORT_LIMIT rows. Each row updates the deal with its ``id`` (when the importer
may see it), else the partner's own deal with its CRM id, else creates one; a row that repeats
a deal as it is counts as unchanged (closed deals and deals the partner was invited to too), so
an export imports back with 0 changes. A dry run checks every row set-based (``imports.plan``)
and writes nothing; applying checks again under the partner's lock and writes everything in
one transaction, or nothing when a row fails (``services.imports``). Both run in the worker as
a background job (``imports.jobs``).
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from cosell.core.background import JobRejected
from cosell.partners.models import Membership

from . import rules
from .imports.plan import plan_import
from .imports.report import ImportReport, RowInput, RowResult  # noqa: F401  (this module's API)
from .models import Lead, Opportunity, OpportunitySolution
from .services.imports import opportunities_import_apply
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


class ImportRejected(JobRejected):
    """The file as a whole cannot be imported (encoding, header, size)."""


def decode(raw: bytes) -> str:
    if len(raw) > IMPORT_MAX_BYTES:
        raise ImportRejected(
            {"file": [_("The file is larger than %(mb)d MB.") % {"mb": IMPORT_MAX_BYTES >> 20}]}
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected({"file": [_("Save the file as CSV UTF-8.")]}) from None


def read_rows(text: str, *, normalise=str.lower) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line, cells)]) of the non-empty rows, at most IMPORT_LIMIT of them."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [normalise(restore(h).strip()) for h in next(reader, [])]
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(rows) >= IMPORT_LIMIT:
                    raise ImportRejected(
                        {"file": [_("At most %(n)d rows per import.") % {"n": IMPORT_LIMIT}]}
                    )
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRejected({"file": [_("Not a readable CSV file: %s") % exc]}) from None
    return header, rows


def parse(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: cell}) for each non-empty row; a whole-file problem raises
    ImportRejected."""
    header, cells_by_line = read_rows(text)
    missing = [c for c in ("name", "customer_name") if c not in header]
    if not header or missing:
        raise ImportRejected(
            {"file": [_("The header row must name the columns: missing %s.") % missing]}
        )
    rows = [
        (
            line,
            {
                column: restore(cells[i]) if i < len(cells) else ""
                for i, column in enumerate(header)
                if column
            },
        )
        for line, cells in cells_by_line
    ]
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


def portal_row(line: int, values: dict[str, str]) -> RowInput:
    """A row of the portal's own CSV: matched on ``id`` (when the importer sees that deal),
    then on ``crm_id``; ``status``, ``partner`` and the times are read-only."""
    id_cell = values.get("id", "").strip()
    return RowInput(
        line=line,
        data=_input(values),
        id=int(id_cell) if id_cell.isdigit() else None,
        crm_id=values.get("crm_id", "").strip(),
        name=values.get("name", ""),
        stage=values.get("stage", "").strip(),
    )


def can_import(user, partner) -> bool:
    membership = user.membership_or_none if user.is_authenticated else None
    return (
        partner is not None
        and membership is not None
        and membership.partner_id == partner.pk
        and membership.role == Membership.Role.ADMIN
    )


def run_import(
    *, partner, actor, now: datetime, rows: list[RowInput], dry_run: bool, progress=None
) -> ImportReport:
    """Plan (dry run: no write, no lock) or apply (all or nothing) ``rows`` for ``partner``."""
    if not can_import(actor, partner):
        raise PermissionDenied(_("Only the partner's admins import its opportunities."))
    if progress is not None:
        progress(0, len(rows), phase="checking")
    if dry_run:
        planned, applied = (
            plan_import(partner=partner, actor=actor, rows=rows, progress=progress),
            False,
        )
    else:
        planned, applied = opportunities_import_apply(
            partner=partner, actor=actor, now=now, rows=rows, progress=progress
        )
    return ImportReport(dry_run=dry_run, applied=applied, rows=[item.result for item in planned])


def opportunities_import(
    *, partner, actor, now: datetime, raw: bytes, dry_run: bool, progress=None
) -> ImportReport:
    """Import opportunities from the portal's CSV ``raw`` for ``partner`` (its admins only).

    The dry run checks every row set-based (``imports.plan``) and writes nothing; applying
    checks them again under the partner's lock and writes them all in one transaction, or
    nothing when any row fails.
    """
    if not can_import(actor, partner):
        raise PermissionDenied(_("Only the partner's admins import its opportunities."))
    rows = [portal_row(line, values) for line, values in parse(decode(raw))]
    return run_import(
        partner=partner, actor=actor, now=now, rows=rows, dry_run=dry_run, progress=progress
    )
