"""payments.vendor_id: the booking's vendor, copied so that analytics need not join bookings.

Top vendors joined a year's ~450,000 payments to all 1,000,000 bookings for their vendor (~400
ms of the one-year analytics, bench/README.md). A booking's vendor never changes, so the copy is
set once, when the payment is created; a key to `bookings (id, vendor_id)` keeps it equal to the
booking's. Existing payments are backfilled from their bookings. On PostgreSQL the index on
`paid_at` now covers `vendor_id` instead of `booking_id`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 08:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BOOKING_VENDOR = "uq_bookings_id_vendor_id"
PAYMENT_VENDOR = "fk_payments_booking_id_vendor_id_bookings"
PAID_AT = "ix_payments_paid_at"


def _paid_at_covering(included: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(PAID_AT, table_name="payments")
    op.create_index(PAID_AT, "payments", ["paid_at"], postgresql_include=included)


def _backfill() -> None:
    payments = sa.table("payments", sa.column("booking_id"), sa.column("vendor_id"))
    bookings = sa.table("bookings", sa.column("id"), sa.column("vendor_id"))
    vendor = (
        sa.select(bookings.c.vendor_id)
        .where(bookings.c.id == payments.c.booking_id)
        .scalar_subquery()
    )
    op.execute(sa.update(payments).values(vendor_id=vendor))


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vendor_id", sa.Uuid(), nullable=True))
    _backfill()
    op.create_index(BOOKING_VENDOR, "bookings", ["id", "vendor_id"], unique=True)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("vendor_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_foreign_key(
            PAYMENT_VENDOR, "bookings", ["booking_id", "vendor_id"], ["id", "vendor_id"]
        )
    _paid_at_covering(["vendor_id", "amount", "status"])


def downgrade() -> None:
    _paid_at_covering(["booking_id", "amount", "status"])
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(PAYMENT_VENDOR, type_="foreignkey")
        batch_op.drop_column("vendor_id")
    op.drop_index(BOOKING_VENDOR, table_name="bookings")
