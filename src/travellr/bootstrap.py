"""The composition root: settings in, every adapter and the unit-of-work factory out.

The app factory, the Celery workers, the CLI and the tests all start from `build`; no other
module constructs an adapter or a unit of work (an import-linter contract keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from travellr.application.ports.cache import CacheService
from travellr.application.ports.events import EventBus
from travellr.application.ports.jobs import JobQueries
from travellr.application.ports.notifications import NotificationRecords, Senders
from travellr.application.ports.outbox import OutboxRelay
from travellr.application.ports.payments import PaymentGateway, ProviderEvent
from travellr.application.ports.payouts import PayoutGateway
from travellr.application.ports.persistence import UnitOfWork
from travellr.application.ports.queries import ListQueries
from travellr.application.ports.reports import Reports
from travellr.application.ports.scheduling import JobRunLog, SchedulerLease
from travellr.application.ports.security import AccessRegistry, PasswordHasher, Tokens
from travellr.application.ports.shared_state import IdempotencyStore, RateLimiter
from travellr.application.ports.webhooks import UrlRules, WebhookAdapters
from travellr.config import Environment, Settings
from travellr.domain.money import CommissionRate
from travellr.domain.policy import CancellationPolicy
from travellr.infrastructure.cache.cached_reads import invalidate_on_events
from travellr.infrastructure.cache.no_cache import NoCache
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.db.engine import (
    make_engine,
    make_session_factory,
    single_statement_engine,
)
from travellr.infrastructure.db.job_runs import SqlJobRunLog, SqlSchedulerLease
from travellr.infrastructure.db.jobs import SqlJobQueries
from travellr.infrastructure.db.mapping import map_domain
from travellr.infrastructure.db.notifications import SqlNotificationStore
from travellr.infrastructure.db.queries import ListQueries as SqlListQueries
from travellr.infrastructure.db.quick_bookings import QuickBookings
from travellr.infrastructure.db.reports import SqlReports
from travellr.infrastructure.db.uow import SqlUnitOfWork
from travellr.infrastructure.db.webhooks import SqlWebhookStore
from travellr.infrastructure.events.bus import InProcessEventBus
from travellr.infrastructure.events.relay import SqlOutboxRelay
from travellr.infrastructure.notifications.senders import build_senders
from travellr.infrastructure.outages import outage
from travellr.infrastructure.payments.mock import MockPaymentGateway, MockPayoutGateway
from travellr.infrastructure.payments.stripe_gateway import StripePaymentGateway
from travellr.infrastructure.payments.stripe_payouts import StripePayoutGateway
from travellr.infrastructure.payments.stripe_webhooks import parse_webhook
from travellr.infrastructure.security.access import SqlAccessRegistry
from travellr.infrastructure.security.passwords import BcryptPasswordHasher
from travellr.infrastructure.security.tokens import TokenService
from travellr.infrastructure.shared_state.idempotency import SqlIdempotencyStore
from travellr.infrastructure.shared_state.rate_limits import RedisRateLimiter, SqlRateLimiter
from travellr.infrastructure.shared_state.redis_guard import RedisGuard
from travellr.infrastructure.webhooks.addresses import SystemResolver
from travellr.infrastructure.webhooks.poster import Urllib3Poster
from travellr.infrastructure.webhooks.secret_box import FernetSecretBox

ProviderEventParser = Callable[[bytes, str | None], ProviderEvent]


@dataclass
class Services:
    """Everything a request, a task or a command needs, wired once per process."""

    settings: Settings
    engine: Engine
    read_engine: Engine  # autocommit, for single statements; `engine` itself on SQLite
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    quick_bookings: QuickBookings  # the process's trip copies, shared by its units of work
    hasher: PasswordHasher
    tokens: Tokens
    access: AccessRegistry
    rate_limiter: RateLimiter
    gateway: PaymentGateway
    payouts: PayoutGateway
    events: EventBus
    outbox: OutboxRelay  # what the workers publish and handle, oldest first
    policy: CancellationPolicy
    commission: CommissionRate
    queries: ListQueries
    reports: Reports
    notifications: NotificationRecords
    senders: Senders
    idempotency: IdempotencyStore
    cache: CacheService
    webhooks: WebhookAdapters
    job_queries: JobQueries
    job_runs: JobRunLog
    scheduler_lease: SchedulerLease
    redis: RedisGuard | None = None  # the guarded client, for the readiness probe
    # (the service, a one-line reason) when an error says a backing service does not answer
    outage_of: Callable[[BaseException], tuple[str, str] | None] = outage
    parse_provider_event: ProviderEventParser | None = None  # None: no webhook secret set

    def new_uow(self) -> UnitOfWork:
        """A unit of work whose committed events reach this process's event bus."""
        return SqlUnitOfWork(
            self.session_factory, self.events, self.quick_bookings, self.read_session_factory
        )

    def read_uow(self) -> UnitOfWork:
        """For use cases that only read: single statements, no transaction round trips."""
        return SqlUnitOfWork(self.read_session_factory)


def build(settings: Settings) -> Services:
    """Connect every adapter the settings name; nothing is contacted until first use."""
    map_domain()
    engine = make_engine(settings.database_url)
    reads = single_statement_engine(engine)
    redis = (
        RedisGuard(settings.redis_url, timeout=settings.redis_timeout)
        if settings.redis_url
        else None
    )
    cache: CacheService = RedisCache(redis) if redis else NoCache()
    events = InProcessEventBus()
    invalidate_on_events(events, cache, engine)
    read_sessions = make_session_factory(reads)
    webhook_secret = settings.stripe_webhook_secret
    return Services(
        settings=settings,
        engine=engine,
        read_engine=reads,
        session_factory=make_session_factory(engine),
        read_session_factory=read_sessions,
        quick_bookings=QuickBookings(read_sessions),
        hasher=BcryptPasswordHasher(settings.bcrypt_rounds),
        tokens=TokenService(settings.secret_key, settings.access_token_ttl),
        access=SqlAccessRegistry(reads),
        rate_limiter=RedisRateLimiter(redis) if redis else SqlRateLimiter(engine),
        gateway=_payment_gateway(settings),
        payouts=_payout_gateway(settings),
        events=events,
        outbox=SqlOutboxRelay(engine),
        policy=settings.cancellation_policy,
        commission=settings.commission,
        queries=SqlListQueries(reads),
        reports=SqlReports(reads),
        notifications=SqlNotificationStore(make_session_factory(engine)),
        senders=build_senders(settings),
        idempotency=SqlIdempotencyStore(engine),
        cache=cache,
        job_queries=SqlJobQueries(engine),
        job_runs=SqlJobRunLog(engine),
        scheduler_lease=SqlSchedulerLease(engine),
        webhooks=_webhook_adapters(settings, make_session_factory(engine)),
        redis=redis,
        parse_provider_event=partial(parse_webhook, secret=webhook_secret)
        if webhook_secret
        else None,
    )


def _webhook_adapters(settings: Settings, sessions: sessionmaker[Session]) -> WebhookAdapters:
    rules = UrlRules(
        allow_http=settings.environment is not Environment.PRODUCTION,
        allow_private=settings.webhook_allow_private,
    )
    return WebhookAdapters(
        store=SqlWebhookStore(sessions),
        box=FernetSecretBox(settings.webhook_keys),
        resolver=SystemResolver(),
        poster=Urllib3Poster(),
        rules=rules,
    )


def _payment_gateway(settings: Settings) -> PaymentGateway:
    if settings.payment_provider == "stripe":
        assert settings.stripe_secret_key is not None
        return StripePaymentGateway(settings.stripe_secret_key, api_base=settings.stripe_api_base)
    return MockPaymentGateway()


def _payout_gateway(settings: Settings) -> PayoutGateway:
    """Stripe Transfers to the vendor's connected account when paying through Stripe."""
    if settings.payment_provider == "stripe":
        assert settings.stripe_secret_key is not None
        return StripePayoutGateway(settings.stripe_secret_key, api_base=settings.stripe_api_base)
    return MockPayoutGateway()
