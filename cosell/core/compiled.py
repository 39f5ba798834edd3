"""Querysets compiled to SQL once per process and run again with new parameter values.

The ORM builds a query's SQL on every evaluation (joins, select lists of related models,
annotations): about half a millisecond for a select_related query of a few tables, paid by
every page that asks the same question. ``CompiledQuery`` compiles a queryset built with
placeholder integers once, then each call runs the same SQL with the placeholders' positions
in its parameters replaced by the call's values, and builds model instances (related objects
and annotations included) through Django's own iterable, as ``list(queryset)`` would.

The placeholders are negative integers no real key takes, unless given (``name=value``: a
string or date no real value equals). If a placeholder is missing from the compiled
parameters, the query is not compiled and every call builds its queryset as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

_PLACEHOLDER_BASE = -(2**62)


@dataclass
class _Compiled:
    queryset: QuerySet
    sql: str
    params: tuple
    slots: list[tuple[int, str]]
    select: Any
    klass_info: Any
    annotation_col_map: Any
    col_count: int
    has_extra_select: bool


class CompiledQuery:
    """``CompiledQuery(lambda pk: Model.objects.select_related(...).filter(pk=pk))``; calling
    it with ``pk=...`` returns the list of instances the queryset would give."""

    def __init__(self, build: Callable[..., QuerySet], *names: str, **placeholders: Any):
        self.build = build
        self.placeholders = {name: _PLACEHOLDER_BASE + n for n, name in enumerate(names)}
        self.placeholders.update(placeholders)
        self.names = frozenset(self.placeholders)
        self._compiled: dict[str, _Compiled | None] = {}

    def _compile(self, using: str | None) -> _Compiled | None:
        queryset = self.build(**self.placeholders)
        compiler = queryset.query.get_compiler(using=using or queryset.db)
        sql, params = compiler.as_sql()
        slots = [
            (position, name)
            for position, param in enumerate(params)
            for name, placeholder in self.placeholders.items()
            if type(param) is type(placeholder) and param == placeholder
        ]
        if {name for _position, name in slots} != self.names:
            return None
        return _Compiled(
            queryset=queryset,
            sql=sql,
            params=tuple(params),
            slots=slots,
            select=compiler.select,
            klass_info=compiler.klass_info,
            annotation_col_map=compiler.annotation_col_map,
            col_count=compiler.col_count,
            has_extra_select=compiler.has_extra_select,
        )

    def __call__(self, using: str | None = None, **values: Any) -> list:
        if set(values) != self.names:
            raise TypeError(f"expected values for {self.names}, got {sorted(values)}")
        key = using or "default"
        if key not in self._compiled:
            self._compiled[key] = self._compile(using)
        compiled = self._compiled[key]
        if compiled is None:
            return list(self.build(**values))
        params = list(compiled.params)
        for position, name in compiled.slots:
            value = values[name]
            params[position] = int(value) if type(self.placeholders[name]) is int else value
        queryset = compiled.queryset._chain()
        compiler = queryset.query.get_compiler(using=using or queryset.db)
        compiler.select = compiled.select
        compiler.klass_info = compiled.klass_info
        compiler.annotation_col_map = compiled.annotation_col_map
        compiler.col_count = compiled.col_count
        compiler.has_extra_select = compiled.has_extra_select
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, tuple(params))
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)
