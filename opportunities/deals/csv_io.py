"""The pipeline as CSV: export rows, and import rows checked and applied as a job."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from cosell.core.csv_files import (
    EXPORT_LIMIT,
    ImportRejected,
    csv_lines,
    decode,
    read_rows,
    restore,
    streaming_csv,
)
from cosell.partners.models import Membership
from opportunities import rules
from opportunities.deals.imports.plan import plan_import
from opportunities.deals.imports.report import ImportReport, RowInput
from opportunities.deals.models import Opportunity, OpportunitySolution
from opportunities.deals.services.common import EDITABLE_FIELDS
from opportunities.deals.services.imports import opportunities_import_apply

CHUNK_SIZE = 500


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
