"""CSV files as people's spreadsheets read and write them: BOM, formula cells, streaming."""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from cosell.core.background import JobRejected

EXPORT_LIMIT = 5000  # rows in one export, as Partner Center
IMPORT_LIMIT = 1000  # rows in one import
IMPORT_MAX_BYTES = 5 * 1024 * 1024


class ImportRejected(JobRejected):
    """The file as a whole cannot be imported (encoding, header, size)."""


BOM = "\ufeff"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
