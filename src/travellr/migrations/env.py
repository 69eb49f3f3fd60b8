"""Alembic environment: the URL comes from the caller (the `travellr db` command or the tests)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.types import TypeDecorator

from travellr.infrastructure.db.engine import make_engine
from travellr.infrastructure.db.tables import metadata

config = context.config


def _render_item(kind: str, item: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Render our column types as the plain types they store, so migrations stay self-contained."""
    if kind == "type" and isinstance(item, TypeDecorator):
        return "sa." + repr(item.impl_instance)
    return False


def _run(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        _run_without_foreign_keys(connection)
    else:
        _migrate(connection)


def _run_without_foreign_keys(connection: Connection) -> None:
    """SQLite alters a table by rebuilding it; with keys on, dropping the old copy fails when
    other tables' rows refer to it. Keys can only be turned off outside a transaction, and are
    checked once the migrations are done."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute("PRAGMA foreign_keys = OFF")
    try:
        _migrate(connection)
        broken = dbapi.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migrations broke foreign keys: {broken[:5]}")
    finally:
        dbapi.execute("PRAGMA foreign_keys = ON")


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as new_connection:
        _run(new_connection)
    engine.dispose()
