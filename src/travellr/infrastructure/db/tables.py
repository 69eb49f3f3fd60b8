"""The schema as SQLAlchemy Core tables. Alembic migrations make it; tests check they agree."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)

from travellr.domain.actors import Role
from travellr.infrastructure.db.types import StrEnumType, UTCDateTime

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
