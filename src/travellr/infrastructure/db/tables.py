"""The schema as SQLAlchemy Core tables. Alembic migrations make it; tests check they agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from travellr.domain.actors import Role
from travellr.domain.bookings import BookingStatus
from travellr.domain.notifications import Channel, DeliveryStatus, Platform
from travellr.domain.payments import PaymentStatus, RefundStatus
from travellr.domain.payouts import PayoutStatus
from travellr.domain.trips import TripStatus
from travellr.domain.webhooks import DeliveryStatus as WebhookDeliveryStatus
from travellr.infrastructure.db.types import Cents, StrEnumType, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("phone", String(16)),
    Column("role", StrEnumType(Role, 10), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("tokens_valid_after", UTCDateTime),
    Column("payout_account", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("email = lower(email)", name="email_lower_case"),
    CheckConstraint("role IN ('traveler', 'vendor', 'admin')", name="role_known"),
    Index("ix_users_created_at_id", "created_at", "id"),
)

revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(36), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

rate_limit_counters = Table(
    "rate_limit_counters",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("window_start", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

trips = Table(
    "trips",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("vendor_id", Uuid, ForeignKey("users.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("destination", String(200), nullable=False),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime),
    Column("price", Cents, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("seats_taken", Integer, nullable=False),
    Column("status", StrEnumType(TripStatus, 10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("price > 0", name="price_positive"),
    CheckConstraint("capacity BETWEEN 1 AND 10000", name="capacity_range"),
    CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    CheckConstraint("end_at IS NULL OR end_at >= start_at", name="ends_after_start"),
    CheckConstraint("status IN ('active', 'archived')", name="status_known"),
    Index("ix_trips_start_at_id", "start_at", "id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("vendor_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("trip_id", Uuid, ForeignKey("trips.id"), nullable=False, index=True),
    Column("trip_date", UTCDateTime, nullable=False),
    Column("seats", Integer, nullable=False),
    Column("total_price", Cents, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", StrEnumType(BookingStatus, 10), nullable=False),
    Column("notes", Text),
    Column("refund_amount", Cents),
    Column("cancelled_at", UTCDateTime),
    Column("cancelled_by", Uuid, ForeignKey("users.id")),
    Column("cancel_reason", Text),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("seats >= 1", name="seats_positive"),
    CheckConstraint("total_price >= 0", name="total_not_negative"),
    CheckConstraint("refund_amount IS NULL OR refund_amount >= 0", name="refund_not_negative"),
    CheckConstraint(
        "status IN ('pending', 'confirmed', 'cancelled', 'completed', 'expired')",
        name="status_known",
    ),
    Index("ix_bookings_created_at_id", "created_at", "id", postgresql_include=["status"]),
    Index("ix_bookings_user_id_created_at", "user_id", "created_at", "id"),
    Index("ix_bookings_vendor_id_created_at", "vendor_id", "created_at", "id"),
    Index("ix_bookings_status_expires_at", "status", "expires_at"),
    # What a payment's copy of its booking's vendor refers to (migration 0007). An index, not
    # a constraint: SQLite adds it without rebuilding the table.
    Index("uq_bookings_id_vendor_id", "id", "vendor_id", unique=True),
    # What a payout scans: a vendor's completed bookings by trip date.
    Index(
        "ix_bookings_completed_vendor_trip_date",
        "vendor_id",
        "trip_date",
        sqlite_where=text("status = 'completed'"),
        postgresql_where=text("status = 'completed'"),
    ),
)

# Old bookings that no money ever touched (unpaid holds that expired or were cancelled), moved
# out of the hot table by the archive job; admins still list them and analytics still counts
# them. Paid bookings stay in `bookings`: payments, refunds and payouts refer to them.
bookings_archive = Table(
    "bookings_archive",
    metadata,
    *(column._copy() for column in bookings.columns),
    Column("archived_at", UTCDateTime, nullable=False),
    Index("ix_bookings_archive_created_at_id", "created_at", "id"),
)


payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("booking_id", Uuid, ForeignKey("bookings.id"), nullable=False, index=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("vendor_id", Uuid, nullable=False),
    Column("amount", Cents, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", StrEnumType(PaymentStatus, 20), nullable=False),
    Column("amount_refunded", Cents, nullable=False),
    Column("provider", String(20), nullable=False),
    Column("provider_ref", String(255)),
    Column("payment_method", String(255)),
    Column("failure_message", Text),
    Column("paid_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint(
        "amount_refunded >= 0 AND amount_refunded <= amount", name="refunds_within_amount"
    ),
    CheckConstraint(
        "status IN ('pending', 'succeeded', 'failed', 'partially_refunded', 'refunded')",
        name="status_known",
    ),
    # The booking's vendor, copied so that analytics total a period's payments by vendor
    # without joining them to bookings; the key keeps the copy equal to the booking's.
    ForeignKeyConstraint(
        ["booking_id", "vendor_id"],
        ["bookings.id", "bookings.vendor_id"],
        name="fk_payments_booking_id_vendor_id_bookings",
    ),
    Index("ix_payments_created_at_id", "created_at", "id"),
    # Covering the analytics' scans of a period's payments (gross by day, top vendors; see
    # bench/README.md): no heap visits on PostgreSQL.
    Index("ix_payments_paid_at", "paid_at", postgresql_include=["vendor_id", "amount", "status"]),
    Index("ix_payments_provider_ref", "provider_ref"),
    # The charges in flight, oldest attempt first, for the job that sends stale ones again.
    Index(
        "ix_payments_pending_updated_at",
        "updated_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    # A booking is paid at most once, and has at most one charge attempt in flight.
    Index(
        "uq_payments_booking_id_paid",
        "booking_id",
        unique=True,
        sqlite_where=text("status <> 'failed'"),
        postgresql_where=text("status <> 'failed'"),
    ),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("payment_id", Uuid, ForeignKey("payments.id"), nullable=False, index=True),
    Column("booking_id", Uuid, ForeignKey("bookings.id"), nullable=False),
    Column("amount", Cents, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", StrEnumType(RefundStatus, 10), nullable=False),
    Column("reason", Text),
    Column("provider_ref", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_refunds_created_at", "created_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("name", String(50), nullable=False),
    Column("aggregate_id", Uuid, nullable=False),
    Column("payload", Text, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("published_at", UTCDateTime),
    Column("handled_at", UTCDateTime),
    Index(
        "ix_outbox_unpublished",
        "id",
        sqlite_where=text("published_at IS NULL"),
        postgresql_where=text("published_at IS NULL"),
    ),
)

processed_webhook_events = Table(
    "processed_webhook_events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

payouts = Table(
    "payouts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("vendor_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("gross_amount", Cents, nullable=False),
    Column("refunded_amount", Cents, nullable=False),
    Column("adjustment_amount", Cents, nullable=False),
    Column("vendor_amount", Cents, nullable=False),
    Column("platform_fee", Cents, nullable=False),
    Column("booking_count", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", StrEnumType(PayoutStatus, 10), nullable=False),
    Column("provider_ref", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("period_end >= period_start", name="period_ordered"),
    CheckConstraint("vendor_amount > 0 AND platform_fee >= 0", name="amounts_positive"),
    CheckConstraint(
        "vendor_amount + platform_fee + adjustment_amount = gross_amount - refunded_amount",
        name="amounts_add_up",
    ),
    CheckConstraint("status IN ('pending', 'paid', 'failed')", name="status_known"),
    Index("ix_payouts_vendor_id_created_at", "vendor_id", "created_at", "id"),
    Index("ix_payouts_created_at", "created_at"),
)

# One row per booking paid out: the primary key makes a second payout of a booking impossible.
# No foreign key to bookings: its per-row check (and share lock) on each of a big payout's
# bookings cost more than the rest of the payout (migration 0006). Items are only ever
# written from a select on bookings, and only bookings no money touched are ever deleted.
payout_items = Table(
    "payout_items",
    metadata,
    Column("booking_id", Uuid, primary_key=True),
    Column("payout_id", Uuid, ForeignKey("payouts.id"), nullable=False, index=True),
)

# The vendor's share of a refund made after its booking was paid out, until a payout recovers it.
vendor_adjustments = Table(
    "vendor_adjustments",
    metadata,
    Column("refund_id", Uuid, ForeignKey("refunds.id"), primary_key=True),
    Column("vendor_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("amount", Cents, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payout_id", Uuid, ForeignKey("payouts.id")),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    Index(
        "ix_vendor_adjustments_open",
        "vendor_id",
        sqlite_where=text("payout_id IS NULL"),
        postgresql_where=text("payout_id IS NULL"),
    ),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("transaction_id", Uuid, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("reference_id", Uuid, nullable=False),
    Column("account", String(80), nullable=False),
    Column("amount", Cents, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount <> 0", name="amount_not_zero"),
    Index("ix_ledger_entries_account", "account"),
)

# Which handler has handled which event: a redelivered event does nothing a second time.
handled_events = Table(
    "handled_events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("handler", String(100), primary_key=True),
    Column("handled_at", UTCDateTime, nullable=False),
)

notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("email", Boolean, nullable=False),
    Column("sms", Boolean, nullable=False),
    Column("push", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Push tokens run to kilobytes, past what a btree index entry may hold: uniqueness is on a hash.
devices = Table(
    "devices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("token", Text, nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("platform", StrEnumType(Platform, 10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("platform IN ('ios', 'android', 'web')", name="platform_known"),
    Index("ix_devices_user_id_created_at", "user_id", "created_at", "id"),
)

# One row per (event, person, channel): a redelivered event sends nothing twice.
notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("channel", StrEnumType(Channel, 10), nullable=False),
    Column("status", StrEnumType(DeliveryStatus, 10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("event_id", "user_id", "channel"),
    CheckConstraint("channel IN ('email', 'sms', 'push')", name="channel_known"),
    CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
    CheckConstraint("attempts >= 0", name="attempts_not_negative"),
)

# Written only in the transaction of the change it records (domain/audit.py); never updated.
# Each index serves a filter of GET /admin/audit-log, newest first, ending in the (at, id) key.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Uuid),
    Column("actor_role", String(10), nullable=False),
    Column("action", String(50), nullable=False),
    Column("subject_type", String(30), nullable=False),
    Column("subject_id", String(255)),
    Column("changes", Text, nullable=False),
    Column("request_id", String(128)),
    Column("ip", String(45)),
    Column("reason", Text),
    Index("ix_audit_log_at_id", "at", "id"),
    Index("ix_audit_log_actor_id_at_id", "actor_id", "at", "id"),
    Index("ix_audit_log_action_at_id", "action", "at", "id"),
    Index("ix_audit_log_subject_at_id", "subject_type", "subject_id", "at", "id"),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("job", String(50), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("outcome", String(20), nullable=False),
    Column("counts", Text),
    Column("error", Text),
    Column("runner", String(200), nullable=False),
    Index("ix_job_runs_job_started_at", "job", "started_at"),
)

scheduler_leases = Table(
    "scheduler_leases",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(200)),
    Column("expires_at", UTCDateTime, nullable=False),
)

# Where integrators receive events. The secret signs deliveries, so it is kept, encrypted.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("events", Text, nullable=False),  # a JSON list of event types, or ["*"]
    Column("description", String(500)),
    Column("enabled", Boolean, nullable=False),
    Column("secret_encrypted", Text, nullable=False),
    Column("failing_since", UTCDateTime),  # the first failure after the last success
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    Index("ix_webhook_endpoints_owner_id_created_at", "owner_id", "created_at", "id"),
)

# One row per (event, endpoint): an event reaches an endpoint once, whoever relays it.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("endpoint_id", Uuid, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", String(50), nullable=False),
    Column("body", Text, nullable=False),  # the JSON sent, the same on every attempt
    Column("status", StrEnumType(WebhookDeliveryStatus, 10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("last_response", Text),
    Column("next_attempt_at", UTCDateTime),
    Column("claimed_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    UniqueConstraint("event_id", "endpoint_id"),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status_known"),
    CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    Index("ix_webhook_deliveries_endpoint_id_created_at", "endpoint_id", "created_at", "id"),
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)
