"""Payouts, the bookings and adjustments they paid, the double-entry ledger, payment times.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 05:39:17.854325
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reference_id", sa.Uuid(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_entries_amount_not_zero")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_account", ["account"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_transaction_id"), ["transaction_id"], unique=False
        )

    op.create_table(
        "payouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("gross_amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("adjustment_amount", sa.BigInteger(), nullable=False),
        sa.Column("vendor_amount", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee", sa.BigInteger(), nullable=False),
        sa.Column("booking_count", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'failed')", name=op.f("ck_payouts_status_known")
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_payouts_period_ordered")),
        sa.CheckConstraint(
            "vendor_amount + platform_fee + adjustment_amount = gross_amount - refunded_amount",
            name=op.f("ck_payouts_amounts_add_up"),
        ),
        sa.CheckConstraint(
            "vendor_amount > 0 AND platform_fee >= 0", name=op.f("ck_payouts_amounts_positive")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["users.id"], name=op.f("fk_payouts_vendor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index("ix_payouts_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_payouts_vendor_id_created_at", ["vendor_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "payout_items",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("payout_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_payout_items_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_payout_items_payout_id_payouts")
        ),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_payout_items")),
    )
    with op.batch_alter_table("payout_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_items_payout_id"), ["payout_id"], unique=False)

    op.create_table(
        "vendor_adjustments",
        sa.Column("refund_id", sa.Uuid(), nullable=False),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payout_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_vendor_adjustments_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_vendor_adjustments_payout_id_payouts")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_vendor_adjustments_refund_id_refunds")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["users.id"], name=op.f("fk_vendor_adjustments_vendor_id_users")
        ),
        sa.PrimaryKeyConstraint("refund_id", name=op.f("pk_vendor_adjustments")),
    )
    with op.batch_alter_table("vendor_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vendor_adjustments_open",
            ["vendor_id"],
            unique=False,
            sqlite_where=sa.text("payout_id IS NULL"),
            postgresql_where=sa.text("payout_id IS NULL"),
        )

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_payments_paid_at", ["paid_at"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payout_account", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("payout_account")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_paid_at")
        batch_op.drop_column("paid_at")

    with op.batch_alter_table("vendor_adjustments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_vendor_adjustments_open",
            sqlite_where=sa.text("payout_id IS NULL"),
            postgresql_where=sa.text("payout_id IS NULL"),
        )

    op.drop_table("vendor_adjustments")
    with op.batch_alter_table("payout_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_items_payout_id"))

    op.drop_table("payout_items")
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index("ix_payouts_vendor_id_created_at")
        batch_op.drop_index("ix_payouts_created_at")

    op.drop_table("payouts")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_transaction_id"))
        batch_op.drop_index("ix_ledger_entries_account")

    op.drop_table("ledger_entries")
