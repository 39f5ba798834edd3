"""Upload in Partner Center's layout: each row read into the import's ``RowInput`` (the same
checks and writes as the portal's own CSV, ``opportunities.deals.imports``), and the answer:
the same file with its Errors column filled (several errors separated by ``;``).

Read-only columns (Errors, the ids, Microsoft Referral Status, the account-matching and IoT
columns, PartnerID, team members) are ignored. A row whose status, stage and sharing repeat
what a download shows for that deal asks for no change; "Consent to share Customer/Partner
contact" = No refuses a row that would create or change a deal.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from cosell.core import csv_files
from opportunities.deals import selectors
from opportunities.deals.imports.report import ImportReport, RowInput
from opportunities.deals.models import Opportunity, OpportunitySolution

from . import columns as c
from .export import shares_with_microsoft, status_cells

REQUIRED_COLUMNS = (c.DEAL_NAME, c.CUSTOMER_NAME)
OUTCOMES = {"Won": Opportunity.Status.WON, "Lost": Opportunity.Status.LOST}
OUTCOMES["Error"] = Opportunity.Status.ERROR


@dataclass
class BulkFile:
    header: list[str]  # as written in the file
    rows: list[tuple[int, list[str]]]

    def __post_init__(self):
        self.index = {name.strip().casefold(): i for i, name in enumerate(self.header)}

    def getter(self, cells: list[str]):
        def get(column: str) -> str | None:
            i = self.index.get(column.casefold())
            if i is None:
                return None
            return csv_files.restore(cells[i]).strip() if i < len(cells) else ""

        return get

    def numbered(self, pattern: str) -> list[str]:
        """The repeated columns present (Solution 1, Solution 2, ...), in the file's order."""
        prefix = pattern.format("").casefold()
        found = []
        for name in self.header:
            key = name.strip().casefold()
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                found.append(name.strip())
        return found


def read(raw: bytes) -> BulkFile:
    """The file, or ImportRejected for a problem of the whole file."""
    header, rows = csv_files.read_rows(csv_files.decode(raw), normalise=lambda name: name)
    present = {name.strip().casefold() for name in header}
    missing = [name for name in REQUIRED_COLUMNS if name.casefold() not in present]
    if not header or missing:
        raise csv_files.ImportRejected(
            {"file": [_("The header row must name the columns: missing %s.") % missing]}
        )
    if not rows:
        raise csv_files.ImportRejected({"file": [_("The file has no rows.")]})
    return BulkFile(header=header, rows=rows)


def _yes_no(cell: str | None, column: str, errors: dict) -> bool | None:
    if cell is None or cell == "":
        return None
    if cell.casefold() in ("yes", "true", "1"):
        return True
    if cell.casefold() in ("no", "false", "0"):
        return False
    errors[column] = [_("Use Yes or No.")]
    return None


def _number(cell: str, column: str, allowed, errors: dict) -> int | None:
    try:
        number = int(float(cell))
    except ValueError:
        number = None
    if number is None or number not in allowed:
        errors[column] = [_("Use one of: %s.") % ", ".join(str(n) for n in sorted(allowed))]
        return None
    return number


def _solution(cell: str, column: str, errors: dict) -> dict | None:
    """ "solution id, currency, price, quantity": the id is the portal's solution token
    (``offer:12``, ``microsoft:Azure``, ``third_party:Name``)."""
    parts = [part.strip() for part in cell.split(",")]
    token = parts[0]
    if len(parts) > 1 and not (len(parts[1]) in (0, 3) and parts[1].isalpha()):
        token = cell.strip()  # a comma inside the name
    kind, _sep, name = token.partition(":")
    kind, name = kind.strip(), name.strip()
    if kind == OpportunitySolution.Kind.OFFER and name.isdigit():
        return {"offer_id": int(name)}
    if kind in (OpportunitySolution.Kind.MICROSOFT, OpportunitySolution.Kind.THIRD_PARTY) and name:
        return {"kind": kind, "name": name}
    errors[column] = [
        _("Use offer:<id>, microsoft:<name> or third_party:<name> as the solution id.")
    ]
    return None


def _close_date(cell: str, errors: dict) -> str | None:
    if not cell:
        return None
    try:
        return datetime.strptime(cell, c.DATE_FORMAT).date().isoformat()
    except ValueError:
        errors[c.CLOSE_DATE] = [_("Use MM/DD/YYYY.")]
        return None


def _status(get, existing, partner_id, errors) -> dict | None:
    """The close a row asks for, if any: none when it repeats what a download shows."""
    status, substatus, reason = get(c.STATUS), get(c.SUBSTATUS), get(c.REASON)
    if status is None and substatus is None:
        return None
    status, substatus, reason = status or "", substatus or "", reason or ""
    if existing is not None and (status, substatus, reason) == status_cells(existing, partner_id):
        return None
    if status.casefold() in ("", "new", "active") and substatus.casefold() in (
        "",
        "pending",
        "received",
        "accepted",
    ):
        if existing is not None and existing.is_terminal:
            errors[c.STATUS] = [_("A closed deal does not reopen.")]
        return None
    outcome = OUTCOMES.get(substatus.capitalize()) if status.casefold() == "closed" else None
    if outcome is None:
        errors[c.STATUS] = [
            _("Use New or Active to keep a deal open, or Closed with Won, Lost or Error.")
        ]
        return None
    code = ""
    if outcome != Opportunity.Status.WON:
        numbers = c.LOST_BY_NUMBER if outcome == Opportunity.Status.LOST else c.ERROR_BY_NUMBER
        number = _number(reason, c.REASON, numbers, errors) if reason else None
        if number is None:
            errors.setdefault(c.REASON, [_("Give the reason's number.")])
            return None
        code = numbers[number]
    return {"outcome": outcome, "reason": code}


def to_row(line: int, get, bulk: BulkFile, cells, *, existing, partner_id) -> RowInput:
    errors: dict[str, list[str]] = {}
    data: dict = {}
    for column, name in (
        (c.DEAL_NAME, "name"),
        (c.CUSTOMER_NAME, "customer_name"),
        (c.DUNS, "customer_duns"),
        (c.CONTACT_PHONE, "contact_phone"),
        (c.CONTACT_EMAIL, "contact_email"),
        (c.CRM_ID, "crm_id"),
        (c.NOTES, "notes"),
    ):
        if get(column) is not None:
            data[name] = get(column)
    address = [get(col) for col in (c.ADDRESS_1, c.ADDRESS_2, c.CITY, c.STATE, c.POSTAL_CODE)]
    if any(part is not None for part in address):
        data["customer_address"] = ", ".join(part for part in address if part)
    if get(c.COUNTRY) is not None:
        data["customer_country"] = get(c.COUNTRY).upper()
    if get(c.CONTACT_FIRST) is not None or get(c.CONTACT_LAST) is not None:
        data["contact_name"] = " ".join(p for p in (get(c.CONTACT_FIRST), get(c.CONTACT_LAST)) if p)
    if get(c.VALUE) is not None:
        data["value"] = get(c.VALUE).replace(",", "") or None
    if get(c.CURRENCY):
        data["currency"] = get(c.CURRENCY).upper()
    if get(c.CLOSE_DATE) is not None:
        data["close_date"] = _close_date(get(c.CLOSE_DATE), errors)
    help_required = _yes_no(get(c.HELP_REQUIRED), c.HELP_REQUIRED, errors)
    codes = []
    for part in (get(c.HELP_WHAT) or "").replace(",", ";").split(";"):
        if part.strip():
            number = _number(part.strip(), c.HELP_WHAT, c.HELP_BY_NUMBER, errors)
            if number is not None:
                codes.append(c.HELP_BY_NUMBER[number])
    if help_required is not None:
        data["help_needed"] = codes if help_required else []
        if help_required and not codes:
            errors.setdefault(c.HELP_WHAT, [_("Say what help you need from Microsoft (1-6).")])
    share = _yes_no(get(c.SHARE), c.SHARE, errors)
    consent = _yes_no(get(c.CONSENT), c.CONSENT, errors)
    if consent is not None:
        data["contact_consent"] = consent
    intent = get(c.PURCHASE_INTENT)
    if intent:
        if intent.casefold() in c.PURCHASE_INTENT_BY_CELL:
            data["purchase_intent"] = c.PURCHASE_INTENT_BY_CELL[intent.casefold()]
        else:
            errors[c.PURCHASE_INTENT] = [_("Use Yes, No or Have not decided.")]
    solution_columns = bulk.numbered(c.SOLUTION)
    if solution_columns:
        data["solutions"] = [
            s
            for s in (_solution(get(col), col, errors) for col in solution_columns if get(col))
            if s is not None
        ]
    stage_percent = None
    if get(c.SALES_STAGE):
        stage_percent = _number(get(c.SALES_STAGE), c.SALES_STAGE, c.STAGE_PERCENTAGES, errors)
    close = _status(get, existing, partner_id, errors)
    if existing is None:
        data["category"] = "microsoft" if (help_required or share) else "private"
        data["share_with_microsoft"] = bool(share)
        if consent is None:
            errors.setdefault(c.CONSENT, [_("This field is required.")])
    elif share is not None and share != shares_with_microsoft(existing):
        errors[c.SHARE] = [_("Sharing with Microsoft is changed in the portal (Upgrade).")]
    engagement = get(c.ENGAGEMENT_ID) or ""
    return RowInput(
        line=line,
        data=data,
        id=int(engagement) if engagement.isdigit() else None,
        crm_id=get(c.CRM_ID) or "",
        name=get(c.DEAL_NAME) or "",
        stage_percent=stage_percent,
        close=close,
        errors=errors,
        refuse_changes=_("Partner Center creates and updates no deal without consent to share "
                         "contacts (Consent = No).") if consent is False else "",
        refuse_field=c.CONSENT,
    )  # fmt: skip


def to_rows(bulk: BulkFile, *, user) -> list[RowInput]:
    membership = getattr(user, "membership_or_none", None)
    partner_id = membership.partner_id if membership is not None else None
    ids = set()
    for _line, cells in bulk.rows:
        engagement = bulk.getter(cells)(c.ENGAGEMENT_ID) or ""
        if engagement.isdigit():
            ids.add(int(engagement))
    visible = {
        o.pk: o
        for o in selectors.opportunity_list(user=user).filter(pk__in=ids).prefetch_related("leads")
    }
    rows = []
    for line, cells in bulk.rows:
        get = bulk.getter(cells)
        engagement = get(c.ENGAGEMENT_ID) or ""
        existing = visible.get(int(engagement)) if engagement.isdigit() else None
        rows.append(to_row(line, get, bulk, cells, existing=existing, partner_id=partner_id))
    return rows


def relabel(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The engine names fields (``customer_name``, ``solutions.0.offer_id``); the file names
    columns."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        column = c.FIELD_COLUMN.get(key.split(".")[0], key)
        out.setdefault(column, []).extend(messages)
    return out


def error_cell(errors: dict[str, list[str]]) -> str:
    parts = []
    for column, messages in errors.items():
        for message in messages:
            parts.append(message if column == "non_field_errors" else f"{column}: {message}")
    return "; ".join(parts)


def answer(bulk: BulkFile, report: ImportReport) -> bytes:
    """The uploaded file with its Errors column filled (added first when it had none)."""
    by_line = {row.line: row for row in report.rows}
    errors_at = bulk.index.get(c.ERRORS.casefold())
    header = list(bulk.header)
    if errors_at is None:
        header, errors_at = [c.ERRORS, *header], 0
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for line, cells in bulk.rows:
        cells = list(cells) + [""] * (len(bulk.header) - len(cells))
        if c.ERRORS.casefold() not in bulk.index:
            cells = ["", *cells]
        result = by_line.get(line)
        cells[errors_at] = error_cell(result.errors) if result is not None else ""
        writer.writerow(cells)
    return (csv_files.BOM + out.getvalue()).encode("utf-8")
