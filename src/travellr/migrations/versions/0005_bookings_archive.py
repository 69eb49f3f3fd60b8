"""The archive of old bookings that no money touched; indexes for analytics and payouts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 06:19:12.473443
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


COVERING = (
    ("payments", "ix_payments_paid_at", ["paid_at"], ["booking_id", "amount", "status"]),
    ("bookings", "ix_bookings_created_at_id", ["created_at", "id"], ["status"]),
)


def _covering(include: bool) -> None:
    """PostgreSQL only: the analytics' scans read these indexes alone (INCLUDE columns)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, columns, included in COVERING:
        op.drop_index(name, table_name=table)
        extra: dict[str, Any] = {"postgresql_include": included} if include else {}
        op.create_index(name, table, columns, **extra)


def upgrade() -> None:
    _covering(include=True)
    op.create_table(
        "bookings_archive",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("trip_id", sa.Uuid(), nullable=False),
        sa.Column("trip_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("total_price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("refund_amount", sa.BigInteger(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings_archive")),
    )
    with op.batch_alter_table("bookings_archive", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_archive_created_at_id", ["created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bookings_archive_trip_id"), ["trip_id"], unique=False)
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_completed_vendor_trip_date",
            ["vendor_id", "trip_date"],
            unique=False,
            sqlite_where=sa.text("status = 'completed'"),
            postgresql_where=sa.text("status = 'completed'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_completed_vendor_trip_date")
    _covering(include=False)
    with op.batch_alter_table("bookings_archive", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_archive_trip_id"))
        batch_op.drop_index("ix_bookings_archive_created_at_id")

    op.drop_table("bookings_archive")
