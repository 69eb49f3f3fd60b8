"""payout_items loses its foreign key to bookings: a per-row check that made payouts slow.

The key checked and share-locked every booking a payout linked, one trigger call each (1.3 to
2 s of a 100,000-booking payout on PostgreSQL, bench/README.md). The primary key on booking_id,
which makes a second payout of a booking impossible, and the key to payouts stay.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 08:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BOOKING_FK = "fk_payout_items_booking_id_bookings"


def upgrade() -> None:
    with op.batch_alter_table("payout_items", schema=None) as batch_op:
        batch_op.drop_constraint(BOOKING_FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("payout_items", schema=None) as batch_op:
        batch_op.create_foreign_key(BOOKING_FK, "bookings", ["booking_id"], ["id"])
