"""The opportunities list's COUNT and page SQL, compiled once per process and per shape.

Building the list's queryset costs more Python than anything else in the request: the
visibility filter (``selectors.opportunity_visibility``: a Q with its EXISTS and ARRAY
subqueries), the FilterSet (a form class, deep-copied filters, validation), then the ORM
compiling the COUNT and the page query. For a given viewer *shape* and the same filter
parameters, all of that gives the same SQL, only the viewer's ids differ. So the first request
of a shape builds the queryset exactly as the view does (``view.get_queryset()`` and
``view.filter_queryset()``, the selector deciding the visibility) for a stand-in viewer whose
ids are placeholder integers, records the SQL of its COUNT and of its page, and later requests
of the same shape run that SQL with their own ids in the placeholders' places.

The shape is what ``opportunity_visibility`` branches on (staff; a membership and its role; a
seller record), read in the selector's order so that no more is read than the selector reads.
The stand-in has the viewer's staff flag, role and presence of a seller record, and nothing
else: a selector that starts reading anything else gets the stand-in's blank value at compile
time, and ``tests/opportunities/deals/test_list_compiled.py`` compares both paths for every
role. Whenever the shape is not recognised (an anonymous viewer, a person with neither
membership nor seller record, keyset pages, a filter the FilterSet rejects, a placeholder
missing from the SQL or written into its text, a LIMIT/OFFSET Django writes differently), the
request takes the normal path.

The key is the shape and the request's query parameters except ``page`` and ``page_size``
(what the filter backends read); at most ``MAX_ENTRIES`` keys are kept, least recently used
out first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.db import connections

from cosell.partners.models import Membership, Seller, User

MAX_ENTRIES = 256
_BASE = -(2**62)
# The viewer's ids in the stand-in: its own, its partner's, its seller record's.
USER, PARTNER, SELLER = _BASE, _BASE + 1, _BASE + 2
PLACEHOLDERS = (USER, PARTNER, SELLER)
# The request's parameters that the paginator reads (and the filters do not).
PAGING = frozenset({"page", "page_size"})
_NOT_COMPILED = object()


class _Captured(Exception):
    pass


@dataclass(frozen=True)
class _Shape:
    key: tuple
    ids: dict[int, int]  # placeholder -> the viewer's value
    standin: User


def viewer_shape(user) -> _Shape | None:
    """What ``opportunity_visibility(user)`` branches on, with a stand-in viewer of the same
    shape and the viewer's ids by placeholder; None for a viewer of no known shape."""
    if not user.is_authenticated:
        return None
    standin = User(pk=USER, is_staff=user.is_staff, is_active=True)
    if user.is_staff:
        return _Shape(("staff",), {}, standin)
    membership = user.membership_or_none
    if membership is not None:
        standin.membership = Membership(role=membership.role, partner_id=PARTNER)
        return _Shape(
            ("member", membership.role),
            {USER: user.pk, PARTNER: membership.partner_id},
            standin,
        )
    User.membership.related.set_cached_value(standin, None)
    seller = user.seller_or_none
    if seller is None:
        return None
    standin.seller = Seller(pk=SELLER)
    return _Shape(("seller",), {USER: user.pk, SELLER: seller.pk}, standin)


@dataclass
class _Compiled:
    queryset: Any  # the stand-in's values() queryset, for its compiler's column converters
    page_sql: str
    page_params: tuple
    page_slots: list[tuple[int, int]]  # (position, placeholder)
    count_sql: str
    count_params: tuple
    count_slots: list[tuple[int, int]]
    select: Any
    col_count: int
    ordered: bool


def _slots(sql: str, params, expected: set[int]) -> list[tuple[int, int]] | None:
    """Where the placeholders are among ``params``; None if one not of ``expected`` is there,
    or a placeholder's digits appear anywhere but as a whole integer parameter (in the SQL
    text, in a string, in an array)."""
    digits = [str(placeholder)[1:] for placeholder in PLACEHOLDERS]
    if any(d in sql for d in digits):
        return None
    slots = []
    for position, param in enumerate(params):
        if type(param) is int and param in PLACEHOLDERS:
            if param not in expected:
                return None
            slots.append((position, param))
        elif any(d in repr(param) for d in digits):
            return None
    return slots


def _compile(view, request, shape: _Shape, build) -> _Compiled | None:
    """The queryset ``build(view)`` gives for the stand-in viewer, compiled; None when it is
    not of a recognised shape."""
    real_user = request.user
    request.user = shape.standin  # what get_queryset and the filter backends read
    try:
        queryset = build(view)
    finally:
        request.user = real_user
    db = queryset.db
    expected = set(shape.ids)
    compiler = queryset.query.get_compiler(using=db)
    page_sql, page_params = compiler.as_sql()
    page_slots = _slots(page_sql, page_params, expected)
    if page_slots is None:
        return None
    # The page's LIMIT and OFFSET are written into the SQL: they must come after it as below.
    for bottom, top in ((0, 50), (100, 150)):
        sliced_sql, sliced_params = queryset[bottom:top].query.sql_with_params()
        if sliced_sql != page_sql + _limit(bottom, top) or tuple(sliced_params) != tuple(
            page_params
        ):
            return None
    # The COUNT's SQL as ``count()`` writes it, caught before it runs (and not logged).
    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, tuple(params or ())))
        raise _Captured

    connection = connections[db]
    logged = connection.force_debug_cursor
    connection.force_debug_cursor = False
    try:
        with connection.execute_wrapper(capture):
            queryset.count()
    except _Captured:
        pass
    finally:
        connection.force_debug_cursor = logged
    if len(captured) != 1:
        return None
    count_sql, count_params = captured[0]
    count_slots = _slots(count_sql, count_params, expected)
    if count_slots is None:
        return None
    return _Compiled(
        queryset=queryset,
        page_sql=page_sql,
        page_params=tuple(page_params),
        page_slots=page_slots,
        count_sql=count_sql,
        count_params=count_params,
        count_slots=count_slots,
        select=compiler.select,
        col_count=compiler.col_count,
        ordered=queryset.ordered,
    )


def _limit(bottom: int, top: int) -> str:
    return f" LIMIT {top - bottom}" + (f" OFFSET {bottom}" if bottom else "")


def _params(params: tuple, slots: list[tuple[int, int]], ids: dict[int, int]) -> tuple:
    if not slots:
        return params
    values = list(params)
    for position, placeholder in slots:
        values[position] = int(ids[placeholder])
    return tuple(values)


class Rows:
    """What the paginator reads of a queryset (``count()``, a slice, ``ordered``), answered by
    the compiled SQL with the viewer's ids."""

    def __init__(self, compiled: _Compiled, ids: dict[int, int]):
        self.compiled = compiled
        self.ids = ids
        self.ordered = compiled.ordered

    def count(self) -> int:
        compiled = self.compiled
        connection = connections[compiled.queryset.db]
        with connection.cursor() as cursor:
            cursor.execute(
                compiled.count_sql, _params(compiled.count_params, compiled.count_slots, self.ids)
            )
            row = cursor.fetchone()
        return row[0] if row else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("only a page's slice")
        bottom, top = index.start or 0, index.stop
        if top is None or bottom >= top:
            return []
        compiled = self.compiled
        sql = compiled.page_sql + _limit(bottom, top)
        params = _params(compiled.page_params, compiled.page_slots, self.ids)
        queryset = compiled.queryset._chain()
        compiler = queryset.query.get_compiler(using=queryset.db)
        compiler.select = compiled.select
        compiler.klass_info = None
        compiler.annotation_col_map = None
        compiler.col_count = compiled.col_count
        compiler.has_extra_select = False
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)


class CompiledList:
    """``rows(view, request)``: the compiled list for this request, or None (normal path)."""

    def __init__(self, build):
        self.build = build  # view -> the list's values() queryset, as the normal path builds it
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def rows(self, view, request) -> Rows | None:
        params = request.query_params
        if getattr(view, "paginator", None) is None or "cursor" in params:
            return None
        shape = viewer_shape(request.user)
        if shape is None:
            return None
        key = (
            shape.key,
            tuple(sorted((k, tuple(params.getlist(k))) for k in params if k not in PAGING)),
        )
        with self._lock:
            compiled = self._entries.get(key, None)
            if compiled is not None:
                self._entries.move_to_end(key)
        if compiled is None:
            try:
                compiled = _compile(view, request, shape, self.build)
            except Exception:  # an invalid filter, an empty visibility...: the normal path
                compiled = None
            if compiled is None:
                compiled = _NOT_COMPILED
            with self._lock:
                self._entries[key] = compiled
                while len(self._entries) > MAX_ENTRIES:
                    self._entries.popitem(last=False)
        if compiled is _NOT_COMPILED:
            return None
        return Rows(compiled, shape.ids)
