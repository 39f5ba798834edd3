"""A small, strict reader of the OData query options the Referrals API answers.

``$filter`` (``eq``, ``ne``, ``gt``/``ge``/``lt``/``le`` on the two date-times, ``and``, ``or``,
parentheses, nested paths such as ``customerProfile/address/country``, and
``team/any(t:t/email eq '...')``), ``$orderby`` (``createdDateTime``/``updatedDateTime``,
``asc``/``desc``), ``$top`` (at most 100), ``$skip``, ``$count``, ``$select``. Anything else is
refused with ``ODataError`` naming the part it could not evaluate: a filter the portal does not
understand is never ignored (it would answer more than was asked).

The parser builds a tiny tree; ``selectors`` turns it into one Django ``Q`` per kind of row.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from cosell.core import clock

MAX_TOP = 100
MAX_SKIP = 100_000
MAX_FILTER_LENGTH = 2000
MAX_NESTING = 16  # parentheses deep: the parser recurses once per level
ORDERABLE = ("createdDateTime", "updatedDateTime")
DATETIME_PROPERTIES = frozenset(ORDERABLE)
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
KNOWN_OPTIONS = frozenset(
    {"$filter", "$orderby", "$top", "$skip", "$count", "$select", "$expand", "$skiptoken"}
)


class ODataError(Exception):
    """A query option the portal cannot evaluate: answered 400, naming the option and the part."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option
        self.message = message


@dataclass(frozen=True)
class Comparison:
    path: str
    op: str
    value: object


@dataclass(frozen=True)
class Any:
    """``collection/any(v:v/property op value)``."""

    collection: str
    condition: Comparison


@dataclass(frozen=True)
class Junction:
    op: str  # "and" | "or"
    children: tuple


@dataclass
class Query:
    filter: object = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int = MAX_TOP
    skip: int = 0
    count: bool = False
    select: list[str] | None = None


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<punct>[(),:])
    | (?P<name>[A-Za-z_@$][\w@.$]*(?:/[A-Za-z_@$][\w@.$]*)*)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ODataError(
                "$filter",
                _("$filter: cannot read “%(part)s”.") % {"part": text[position:][:40].strip()},
            )
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.position = 0
        self.depth = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def expect(self, value: str):
        _kind, text = self.take()
        if text != value:
            raise ODataError(
                "$filter",
                _("$filter: expected “%(expected)s” but found “%(found)s”.")
                % {"expected": value, "found": text or _("the end")},
            )

    def parse(self):
        if not self.tokens:
            raise ODataError("$filter", _("$filter is empty."))
        tree = self.disjunction()
        if self.position != len(self.tokens):
            raise ODataError(
                "$filter",
                _("$filter: cannot evaluate “%(part)s”.") % {"part": self.peek()[1]},
            )
        return tree

    def disjunction(self):
        children = [self.conjunction()]
        while self.peek() == ("name", "or"):
            self.take()
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else Junction("or", tuple(children))

    def conjunction(self):
        children = [self.primary()]
        while self.peek() == ("name", "and"):
            self.take()
            children.append(self.primary())
        return children[0] if len(children) == 1 else Junction("and", tuple(children))

    def primary(self):
        kind, text = self.peek()
        if text == "(":
            self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise ODataError(
                    "$filter",
                    _("$filter nests parentheses more than %(max)s deep.") % {"max": MAX_NESTING},
                )
            tree = self.disjunction()
            self.expect(")")
            self.depth -= 1
            return tree
        if kind != "name":
            raise ODataError(
                "$filter",
                _("$filter: expected a property but found “%(found)s”.")
                % {"found": text or _("the end")},
            )
        self.take()
        if text == "not":
            raise ODataError("$filter", _("$filter: the operator “not” is not supported."))
        if self.peek()[1] == "(":
            if text.endswith("/any"):
                return self.any(text.removesuffix("/any"))
            raise ODataError(
                "$filter", _("$filter: the function “%(name)s” is not supported.") % {"name": text}
            )
        return self.comparison(text)

    def comparison(self, path: str, variable: str = "") -> Comparison:
        _kind, op = self.take()
        if op not in COMPARISONS:
            raise ODataError(
                "$filter",
                _("$filter: the operator “%(op)s” is not supported (use eq, ne, and, or).")
                % {"op": op or _("the end")},
            )
        kind, text = self.take()
        if kind == "string":
            value = text[1:-1].replace("''", "'")
        elif kind == "datetime" or kind == "number":
            value = text
        elif kind == "name" and text in ("true", "false"):
            value = text == "true"
        elif kind == "name" and text == "null":
            value = None
        else:
            raise ODataError(
                "$filter",
                _("$filter: “%(path)s %(op)s” needs a value.") % {"path": path, "op": op},
            )
        if variable:
            path = path.removeprefix(variable + "/")
        return Comparison(path, op, value)

    def any(self, collection: str) -> Any:
        self.expect("(")
        kind, variable = self.take()
        if kind != "name":
            raise ODataError("$filter", _("$filter: any() needs a variable (t:t/email eq '…')."))
        self.expect(":")
        kind, path = self.take()
        if kind != "name" or not path.startswith(variable + "/"):
            raise ODataError(
                "$filter",
                _("$filter: in %(collection)s/any() compare a property of “%(variable)s”.")
                % {"collection": collection, "variable": variable},
            )
        condition = self.comparison(path, variable)
        self.expect(")")
        return Any(collection, condition)


def parse_filter(text: str):
    if len(text) > MAX_FILTER_LENGTH:
        raise ODataError(
            "$filter",
            _("$filter is longer than %(max)s characters.") % {"max": MAX_FILTER_LENGTH},
        )
    return _Parser(text).parse()


def parse_datetime_value(path: str, value) -> datetime:
    """A date-time literal of a ``$filter`` (quoted or not); a date alone is midnight UTC."""
    text = str(value or "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    try:
        return clock.parse_instant(text)
    except ValueError:
        raise ODataError(
            "$filter",
            _("$filter: %(path)s compares with a date and time, not “%(value)s”.")
            % {"path": path, "value": text[:40]},
        ) from None


def _integer(option: str, raw: str, *, maximum: int) -> int:
    if not re.fullmatch(r"\d{1,9}", raw.strip()):
        raise ODataError(option, _("%(option)s must be a whole number.") % {"option": option})
    value = int(raw)
    if value > maximum:
        raise ODataError(
            option, _("%(option)s is at most %(max)s.") % {"option": option, "max": maximum}
        )
    return value


def parse_query(params, *, selectable: frozenset[str]) -> Query:
    """Read the query options of a list request (``request.query_params``)."""
    query = Query()
    for name in params:
        if name.startswith("$") and name not in KNOWN_OPTIONS:
            raise ODataError(
                name, _("The query option %(option)s is not supported.") % {"option": name}
            )
    for name in ("$expand", "$skiptoken"):
        if params.get(name, "").strip():
            raise ODataError(
                name, _("The query option %(option)s is not supported.") % {"option": name}
            )
    if params.get("$filter", "").strip():
        query.filter = parse_filter(params["$filter"])
    if "$top" in params:
        query.top = _integer("$top", params["$top"], maximum=MAX_TOP)
    if "$skip" in params:
        query.skip = _integer("$skip", params["$skip"], maximum=MAX_SKIP)
    if "$count" in params:
        raw = params["$count"].strip().lower()
        if raw not in ("true", "false"):
            raise ODataError("$count", _("$count is true or false."))
        query.count = raw == "true"
    if params.get("$orderby", "").strip():
        for part in params["$orderby"].split(","):
            words = part.split()
            direction = words[1].lower() if len(words) == 2 else "asc"
            if not words or len(words) > 2 or words[0] not in ORDERABLE:
                raise ODataError(
                    "$orderby",
                    _("$orderby: cannot order by “%(part)s” (use %(allowed)s, asc or desc).")
                    % {"part": part.strip(), "allowed": ", ".join(ORDERABLE)},
                )
            if direction not in ("asc", "desc"):
                raise ODataError(
                    "$orderby",
                    _("$orderby: “%(direction)s” is neither asc nor desc.")
                    % {"direction": words[1]},
                )
            query.orderby.append((words[0], direction == "desc"))
    if "$select" in params:
        names = [name.strip() for name in params["$select"].split(",") if name.strip()]
        unknown = [name for name in names if name not in selectable]
        if unknown or not names:
            raise ODataError(
                "$select",
                _("$select: the referral has no property “%(name)s”.")
                % {"name": (unknown or [""])[0]},
            )
        query.select = names
    return query
