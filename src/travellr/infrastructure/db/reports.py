"""The Reports port on SQL: analytics figures, a vendor's ledger, a user's role."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Engine, select

from travellr.application.ports.reports import Period, PeriodFigures, VendorBooks
from travellr.domain.actors import Role
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.analytics import period_figures
from travellr.infrastructure.db.ledger import vendor_ledger


class SqlReports:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def period_figures(self, period: Period) -> PeriodFigures:
        with self._engine.connect() as connection:
            return period_figures(connection, period)

    def vendor_books(self, vendor_id: UUID) -> VendorBooks:
        with self._engine.connect() as connection:
            return vendor_ledger(connection, vendor_id)

    def is_vendor(self, user_id: UUID) -> bool:
        users = tables.users.c
        with self._engine.connect() as connection:
            role = connection.scalar(select(users.role).where(users.id == user_id))
        return role is Role.VENDOR
