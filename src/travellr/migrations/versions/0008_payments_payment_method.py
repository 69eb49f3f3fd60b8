"""payments.payment_method, and an index of the charges still in flight.

A charge whose answer never came (a timeout, a dropped connection, a worker that died) leaves
its payment pending. A scheduled job sends such a charge again under the same idempotency key,
which needs the payment method the attempt used, and finds them by the time of that attempt.
Existing payments keep no method (NULL): the job leaves those to their webhooks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 14:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("payment_method", sa.String(255), nullable=True))
    op.create_index(
        "ix_payments_pending_updated_at",
        "payments",
        ["updated_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_payments_pending_updated_at", table_name="payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("payment_method")
