"""Co-sell contacts: add, delete, and import from CSV (all rows valid, or nothing changes)."""

import csv
import io
import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from cosell.core import audit
from cosell.core.errors import ValidationFailed

from ..models import Offer, OfferContact
from .offers import queue_evaluation

ALL_COUNTRIES = "OOO"
CSV_COLUMNS = ("name", "email", "job_title", "role", "countries")
REQUIRED_COLUMNS = ("name", "email", "role", "countries")
MAX_IMPORT_ROWS = 1000
MAX_IMPORT_BYTES = 1024 * 1024


def countries_normalize(value) -> list[str]:
    """ISO-3166 alpha-2 codes from a list or a string separated by ``;``, ``,`` or spaces.

    ``OOO`` means all countries and stands alone. Raises ``ValueError`` naming bad codes.
    """
    items = value if isinstance(value, list | tuple) else re.split(r"[;,\s]+", str(value or ""))
    codes = [str(item).strip().upper() for item in items if str(item).strip()]
    if not codes:
        raise ValueError(_("List at least one country (ISO code such as US), or OOO for all."))
    if ALL_COUNTRIES in codes:
        return [ALL_COUNTRIES]
    known = dict(all_countries)
    bad = [code for code in codes if code not in known]
    if bad:
        raise ValueError(
            _("Not ISO-3166 alpha-2 country codes: %(codes)s.") % {"codes": ", ".join(bad)}
        )
    return list(dict.fromkeys(codes))


def _role(value) -> str:
    return re.sub(r"[\s-]+", "_", str(value or "").strip().lower())


def _contact_errors(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Clean one contact's fields; return (cleaned, errors by field)."""
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    email = str(data.get("email") or "").strip()
    job_title = str(data.get("job_title") or "").strip()
    role = _role(data.get("role"))
    if not name:
        errors["name"] = [_("Enter the contact's name.")]
    elif len(name) > 200:
        errors["name"] = [_("Use at most 200 characters.")]
    if len(job_title) > 200:
        errors["job_title"] = [_("Use at most 200 characters.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    if role not in OfferContact.Role.values:
        errors["role"] = [
            _("Choose one of: %(codes)s.") % {"codes": ", ".join(OfferContact.Role.values)}
        ]
    try:
        countries = countries_normalize(data.get("countries"))
    except ValueError as exc:
        errors["countries"] = [str(exc)]
        countries = []
    cleaned = {
        "name": name,
        "email": email.lower(),
        "job_title": job_title,
        "role": role,
        "countries": countries,
    }
    return cleaned, errors


def offer_contact_add(
    *,
    offer_id: int,
    actor,
    now: datetime,
    name: str,
    email: str,
    role: str,
    countries,
    job_title: str = "",
) -> OfferContact:
    """Add a co-sell contact to an offer; the offer is re-evaluated after commit."""
    cleaned, errors = _contact_errors(
        {"name": name, "email": email, "role": role, "countries": countries, "job_title": job_title}
    )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        contact = OfferContact.objects.create(offer=offer, **cleaned)
        audit.record(
            offer,
            "contact_added",
            actor=actor,
            at=now,
            extra={"contact_id": contact.pk, "email": contact.email, "role": contact.role},
        )
        queue_evaluation(offer.pk, actor=actor, cause="contact_added")
    return contact


def offer_contact_delete(*, contact_id: int, actor, now: datetime) -> None:
    """Remove a co-sell contact; the offer is re-evaluated after commit."""
    with transaction.atomic():
        contact = (
            OfferContact.objects.select_for_update().select_related("offer").get(pk=contact_id)
        )
        offer = contact.offer
        contact.delete()
        audit.record(
            offer,
            "contact_deleted",
            actor=actor,
            at=now,
            extra={"contact_id": contact_id, "email": contact.email, "role": contact.role},
        )
        queue_evaluation(offer.pk, actor=actor, cause="contact_deleted")


class CsvImportFailed(ValidationFailed):
    """A CSV import with bad rows; ``rows`` lists each problem by line and field."""

    def __init__(self, problems: list[dict]):
        messages = [
            _("Line %(line)s, %(field)s: %(message)s") % problem
            if problem.get("line")
            else str(problem["message"])
            for problem in problems
        ]
        super().__init__({"file": messages}, rows=problems)
        self.rows = problems


def contacts_parse_csv(content: bytes | str) -> list[dict]:
    """Parse and check every row of a contacts CSV; raise ``CsvImportFailed`` listing every
    problem (line, field, message) when any row is bad."""
    if isinstance(content, bytes):
        if len(content) > MAX_IMPORT_BYTES:
            raise CsvImportFailed(
                [
                    {
                        "line": 0,
                        "field": "file",
                        "message": _("The file is too large (1 MB at most)."),
                    }
                ]
            )
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CsvImportFailed(
                [{"line": 0, "field": "file", "message": _("Save the file as UTF-8 CSV.")}]
            ) from None
    if "\x00" in content:
        # PostgreSQL stores no NUL in text: refuse the file, naming the line.
        line = content.count("\n", 0, content.index("\x00")) + 1
        raise CsvImportFailed(
            [{"line": line, "field": "file", "message": _("The file contains a NUL character.")}]
        )
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        header = []
    columns = [column.strip().lower() for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise CsvImportFailed(
            [
                {
                    "line": 1,
                    "field": "header",
                    "message": _(
                        "The first line must name the columns %(columns)s; missing: %(missing)s."
                    )
                    % {"columns": ",".join(CSV_COLUMNS), "missing": ", ".join(missing)},
                }
            ]
        )
    problems: list[dict] = []
    rows: list[dict] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                problems.append(
                    {
                        "line": line,
                        "field": "file",
                        "message": _("Import at most %(n)s contacts at a time.")
                        % {"n": MAX_IMPORT_ROWS},
                    }
                )
                break
            data = dict(zip(columns, values, strict=False))
            cleaned, errors = _contact_errors(data)
            for field, messages in errors.items():
                for message in messages:
                    problems.append({"line": line, "field": field, "message": message})
            rows.append(cleaned)
    except csv.Error as exc:
        problems.append({"line": reader.line_num, "field": "file", "message": str(exc)})
    if not rows and not problems:
        problems.append({"line": 2, "field": "file", "message": _("The file has no contacts.")})
    if problems:
        raise CsvImportFailed(problems)
    return rows


def offer_contacts_import(
    *, offer_id: int, content: bytes | str, actor, now: datetime
) -> list[OfferContact]:
    """Add every contact of a CSV file (columns name, email, job_title, role, countries).

    Every row is checked first; when any is bad nothing is added and each problem is reported.
    """
    rows = contacts_parse_csv(content)
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        contacts = OfferContact.objects.bulk_create(
            [OfferContact(offer=offer, **row) for row in rows]
        )
        audit.record(
            offer, "contacts_imported", actor=actor, at=now, extra={"count": len(contacts)}
        )
        queue_evaluation(offer.pk, actor=actor, cause="contacts_imported")
    return contacts
