"""Selects built once, compiled once per dialect and run on the DBAPI cursor:
the fast path of `cms.database.read_rows`.

SQLAlchemy's execution layer does, on every execution of a statement it has
compiled before, work a read of a few rows does not need: it hashes the
statement's cache key (a nested tuple as large as the statement) to find the
compiled form, builds an execution context and a result object, and makes a
Row of every row. On an uncached article page (eight statements) that was a
sixth of the page's time (bench/README.md, tenth session). A ReadPlan keeps
what those steps produce for one statement and one dialect (the SQL text,
the order of its parameters, its columns' bind and result processors, which
are the types' own, taken through the types' public interface as
SQLAlchemy's engine takes them), so each run is: bind, execute, fetch,
convert.

What stays as SQLAlchemy does it: the connection and its transaction (the
session's), `before_cursor_execute` / `after_cursor_execute` listeners
(tests count statements with them), and errors: a DBAPI error is raised as
SQLAlchemy's wrapped error, after invalidating the connection when the
dialect says the database went away.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import CompoundSelect

Processor = Callable[[Any], Any]


@dataclass
class ReadPlan:
    """One select compiled for one dialect. `results` is filled at the first
    run, from the cursor's description (some dialects pick a processor by the
    type the database reports)."""

    sql: str
    names: tuple[str, ...]  # bound parameters, in the statement's order
    positional: bool  # the DBAPI takes a tuple (else a dict by name)
    defaults: dict[str, Any]  # values bound in the statement itself
    binds: dict[str, Processor]  # name -> bind processor, where the type has one
    column_types: tuple[Any, ...]
    # (column, result processor) of the columns that have one; None until
    # the first run
    results: tuple[tuple[int, Processor], ...] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arguments(self, parameters: dict[str, Any] | None) -> tuple | dict:
        """The DBAPI arguments for these parameters (KeyError naming a bound
        parameter that has no value)."""
        values = {**self.defaults, **parameters} if parameters else self.defaults
        binds = self.binds
        if self.positional:  # a name used twice is bound twice
            return tuple(
                binds[name](values[name]) if name in binds else values[name]
                for name in self.names
            )
        return {
            name: binds[name](values[name]) if name in binds else values[name]
            for name in self.names
        }


# Statement -> {id(dialect): (the dialect, weakly; its plan or None)}. A
# statement's entry goes with it; the first use of a statement only adds
# an empty entry (see plan_for).
_plans: weakref.WeakKeyDictionary[Any, dict[int, tuple[Any, ReadPlan | None]]]
_plans = weakref.WeakKeyDictionary()


def plan_for(statement: Select | CompoundSelect, dialect: Dialect) -> ReadPlan | None:
    """The statement's plan for this dialect, made at the statement's second
    use: a statement built for one request (a category's list) is seen once
    and takes the engine's path, whose cache knows it by its cache key; one
    built once and kept (nearly every read) is planned when it comes back.
    None also when SQLAlchemy must render or bind the statement anew at each
    execution (an expanding IN, a literal-execute parameter, a value given
    by a callable)."""
    kept = _plans.get(statement)
    if kept is None:
        _plans[statement] = {}
        return None
    entry = kept.get(id(dialect))
    if entry is not None and entry[0]() is dialect:
        return entry[1]
    for key in [key for key, (ref, _) in kept.items() if ref() is None]:
        del kept[key]  # a dialect that is gone (a test's app), its id reusable
    plan = _compile(statement, dialect)
    kept[id(dialect)] = (weakref.ref(dialect), plan)
    return plan


def _compile(statement: Select | CompoundSelect, dialect: Dialect) -> ReadPlan | None:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if (
        compiled.post_compile_params
        or compiled.literal_execute_params
        or compiled.escaped_bind_names
        or any(bind.callable is not None for bind in compiled.binds.values())
    ):
        return None  # rendered or valued anew at each execution
    positional = bool(dialect.positional)
    names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
    binds: dict[str, Processor] = {}
    defaults: dict[str, Any] = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds[name] = processor
        if not bind.required:
            defaults[name] = bind.effective_value
    column_types = tuple(column.type for column in statement.selected_columns)
    return ReadPlan(compiled.string, names, positional, defaults, binds, column_types)


def run(
    connection: Connection, plan: ReadPlan, parameters: dict[str, Any] | None
) -> Sequence[tuple[Any, ...]]:
    """Every row of the plan's statement, as tuples of converted values, on
    `connection` (inside its transaction). Raises DBAPIError as SQLAlchemy
    would."""
    arguments = plan.arguments(parameters)
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    dispatch = connection.dispatch
    cursor = None
    try:
        cursor = dbapi_connection.cursor()
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(
                connection, cursor, plan.sql, arguments, None, False
            )
        cursor.execute(plan.sql, arguments)
        rows = cursor.fetchall()
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(
                connection, cursor, plan.sql, arguments, None, False
            )
        results = plan.results
        if results is None:
            results = _result_processors(plan, connection.dialect, cursor.description)
    except connection.dialect.loaded_dbapi.Error as error:
        raise _wrapped(connection, cursor, plan, arguments, error) from error
    finally:
        if cursor is not None:
            with contextlib.suppress(Exception):  # a closed connection's cursor
                cursor.close()
    if not results:
        return rows
    converted: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for at, process in results:
            values[at] = process(values[at])
        converted.append(tuple(values))
    return converted


def _result_processors(
    plan: ReadPlan, dialect: Dialect, description: Any
) -> tuple[tuple[int, Processor], ...]:
    with plan.lock:
        if plan.results is None:
            processors = (
                type_.dialect_impl(dialect).result_processor(dialect, column[1])
                for type_, column in zip(plan.column_types, description, strict=True)
            )
            plan.results = tuple(
                (at, process)
                for at, process in enumerate(processors)
                if process is not None
            )
        return plan.results


def _wrapped(
    connection: Connection,
    cursor: Any,
    plan: ReadPlan,
    arguments: Any,
    error: Any,
) -> DBAPIError:
    """SQLAlchemy's error for a DBAPI error, the connection invalidated first
    when the database went away (as the engine does, so the pool never hands
    it out again)."""
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    gone = dialect.is_disconnect(error, dbapi_connection, cursor)
    if gone:
        connection.invalidate(error)
    return DBAPIError.instance(
        plan.sql, arguments, error, dialect.loaded_dbapi.Error,
        hide_parameters=connection.engine.hide_parameters,  # as the engine logs
        connection_invalidated=gone, dialect=dialect,
    )  # fmt: skip
