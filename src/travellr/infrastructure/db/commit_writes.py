"""What a commit writes last: the changes to attached items, and the new ledger and outbox rows.

On PostgreSQL they go to the database as one statement, each change and each table's rows a
data-modifying CTE, instead of one statement apiece: settling a card payment wrote two UPDATEs
and two INSERTs, each with its own round trip and ~0.1 ms of CPU (bench/README.md). When
they are all the transaction writes (`alone`), that statement is also the whole transaction,
in autocommit: it first locks the changed rows that still have their versions, and writes
nothing unless all of them do. SQLite runs in-process and gets them one by one.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    Update,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.expression import CTE

from travellr.infrastructure.db import tables

STATEMENT_SHAPES = 256  # statements kept built: one per combination of tables and columns


@dataclass(frozen=True)
class Change:
    """The columns that changed on a committed row, to be written only while its version
    column (`version`, with its value as committed) is unchanged."""

    table: Table
    row_id: Any
    version: tuple[str, Any] | None
    values: dict[str, Any]

    @property
    def version_column(self) -> str | None:
        return None if self.version is None else self.version[0]


def write(
    session: Session,
    changes: list[Change],
    new_rows: list[tuple[Table, list[dict[str, Any]]]],
    *,
    alone: bool = False,
) -> None:
    """Write the changes and the new rows; StaleDataError when a change's row has moved on,
    and then nothing is written once the caller rolls its transaction back (`alone`, nothing
    is written at all: the changes are the transaction's only writes, and it may be in
    autocommit). Changed rows are locked in the order of `changes`."""
    new_rows = [(table, rows) for table, rows in new_rows if rows]
    if not changes and not new_rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _in_one_statement(session, changes, new_rows, alone=alone)
    else:
        _one_by_one(session, changes, new_rows)


def _one_by_one(
    session: Session, changes: list[Change], new_rows: list[tuple[Table, list[dict[str, Any]]]]
) -> None:
    for change in changes:
        statement = _update(change.table, tuple(change.values), change.version_column, "u_")
        result = session.execute(statement, _parameters(change, "u_"))
        if typing.cast("CursorResult[Any]", result).rowcount != 1:
            raise StaleDataError(f"{change.table.name} {change.row_id} moved meanwhile")
    for table, rows in new_rows:
        session.execute(_insert(table), rows)


def _in_one_statement(
    session: Session,
    changes: list[Change],
    new_rows: list[tuple[Table, list[dict[str, Any]]]],
    *,
    alone: bool,
) -> None:
    shape = (
        tuple((c.table.name, tuple(c.values), c.version_column) for c in changes),
        tuple((table.name, tuple(rows[0]), len(rows)) for table, rows in new_rows),
    )
    parameters: dict[str, Any] = {}
    for n, change in enumerate(changes):
        parameters.update(_parameters(change, f"u{n}_"))
    for n, (_table, rows) in enumerate(new_rows):
        parameters.update(rows_parameters(rows, f"i{n}_"))
    matched = session.execute(_statement(shape, alone=alone), parameters).one()
    for change, count in zip(changes, matched, strict=False):  # a lone 1 when no changes
        if count != 1:
            raise StaleDataError(f"{change.table.name} {change.row_id} moved meanwhile")


def _parameters(change: Change, prefix: str) -> dict[str, Any]:
    parameters = {prefix + column: value for column, value in change.values.items()}
    parameters[f"{prefix}_id"] = change.row_id
    if change.version is not None:
        parameters[f"{prefix}_version"] = change.version[1]
    return parameters


@lru_cache(maxsize=STATEMENT_SHAPES)
def _update(table: Table, columns: tuple[str, ...], version: str | None, prefix: str) -> Update:
    """UPDATE the columns of row `<prefix>_id` while its `version` column is `<prefix>_version`."""
    key = table.primary_key.columns.values()[0]
    statement = update(table).where(key == bindparam(f"{prefix}_id"))
    if version is not None:
        statement = statement.where(table.c[version] == bindparam(f"{prefix}_version"))
    return statement.values({column: bindparam(prefix + column) for column in columns})


@lru_cache(maxsize=STATEMENT_SHAPES)
def _insert(table: Table) -> Executable:
    return insert(table).inline()  # no RETURNING: nothing reads the new ids


ChangeShape = tuple[str, tuple[str, ...], str | None]  # table, columns changed, version column
RowsShape = tuple[str, tuple[str, ...], int]  # table, columns of its new rows, how many
Condition = ColumnElement[bool] | None
Shape = tuple[tuple[ChangeShape, ...], tuple[RowsShape, ...]]


@lru_cache(maxsize=STATEMENT_SHAPES)
def _statement(shape: Shape, *, alone: bool) -> Executable:
    """Each change an UPDATE ... RETURNING, each table's rows one INSERT; the statement's row
    is how many rows each UPDATE matched. `alone`: every write waits on `ready`, true only
    once every changed row is locked with its version unchanged."""
    updates, inserts = shape
    ready = _ready(updates) if alone else None
    changed: list[CTE] = []
    for n, (name, columns, version) in enumerate(updates):
        table = tables.metadata.tables[name]
        statement = _update(table, columns, version, f"u{n}_")
        if ready is not None:
            statement = statement.where(ready)
        changed.append(statement.returning(table.primary_key.columns.values()[0]).cte(f"u{n}"))
    added = [
        rows_insert(tables.metadata.tables[name], columns, count, f"i{n}_", only_if=ready)
        for n, (name, columns, count) in enumerate(inserts)
    ]
    counts = [select(func.count()).select_from(cte).scalar_subquery() for cte in changed]
    return (select(*counts) if counts else select(literal(1))).add_cte(*changed, *added)


def rows_insert(
    table: Table, columns: tuple[str, ...], count: int, prefix: str, *, only_if: Condition
) -> CTE:
    """INSERT `count` rows, the values that `rows_parameters` names, each cast to its column's
    type (a NULL sent to INSERT ... SELECT would otherwise be text, and refused). Not a
    multi-row VALUES: SQLAlchemy cannot cache that, and compiled it again on every call."""
    rows = []
    for r in range(count):
        row = select(
            *[
                cast(
                    bindparam(f"{prefix}{r}_{column}", type_=table.c[column].type),
                    table.c[column].type,
                )
                for column in columns
            ]
        )
        rows.append(row if only_if is None else row.where(only_if))
    source = rows[0] if count == 1 else union_all(*rows)
    return insert(table).from_select(list(columns), source).cte(f"{prefix}rows")


def rows_parameters(rows: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}{r}_{column}": value
        for r, row in enumerate(rows)
        for column, value in row.items()
    }


def _ready(updates: tuple[ChangeShape, ...]) -> ColumnElement[bool]:
    """Lock each changed row that still has its version (FOR UPDATE re-reads a row changed
    since the statement began): true only if every one of them does."""
    held = []
    for n, (name, _columns, version) in enumerate(updates):
        table = tables.metadata.tables[name]
        key = table.primary_key.columns.values()[0]
        row = select(key).where(key == bindparam(f"u{n}__id"))
        if version is not None:
            row = row.where(table.c[version] == bindparam(f"u{n}__version"))
        locked = row.with_for_update().cte(f"l{n}")
        held.append(select(func.count()).select_from(locked).scalar_subquery() == 1)
    ready = select(and_(true(), *held).label("ok")).cte("ready")
    return select(ready.c.ok).scalar_subquery()
