"""Users choose their notification channels and register the devices push reaches."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from travellr.application.ports.notifications import Device, NotificationSettingsStore
from travellr.application.ports.queries import Page, PageRequest
from travellr.domain.errors import NotFound, RuleViolated
from travellr.domain.notifications import Platform, Preferences


class SmsNeedsPhone(RuleViolated):
    code = "sms_needs_phone"
    title = "SMS notifications need a phone number on the account"


def get_preferences(user_id: UUID, *, store: NotificationSettingsStore) -> Preferences:
    """The user's channels; the defaults until they choose."""
    recipient = store.recipient(user_id)
    if recipient is None:
        raise NotFound("no such user")
    return recipient.preferences


def update_preferences(
    user_id: UUID, changes: dict[str, bool], *, store: NotificationSettingsStore, now: datetime
) -> Preferences:
    """Switch channels on or off; the ones not mentioned stay as they were."""
    recipient = store.recipient(user_id)
    if recipient is None:
        raise NotFound("no such user")
    if changes.get("sms") and not recipient.phone:
        raise SmsNeedsPhone(
            "add a phone number to your account (PUT /users/me) before turning SMS on",
            field="sms",
        )
    preferences = replace(recipient.preferences, **changes)
    store.save_preferences(user_id, preferences, now=now)
    return preferences


def register_device(
    user_id: UUID,
    token: str,
    platform: Platform,
    *,
    store: NotificationSettingsStore,
    now: datetime,
) -> tuple[Device, bool]:
    """Register a push token to the user; True when it is new to them.

    A token belongs to the device, not to an account: registered to someone else, it moves to
    this user (whoever signs in on the device gets its pushes).
    """
    return store.register_device(user_id, token, platform, now=now)


def remove_device(user_id: UUID, device_id: UUID, *, store: NotificationSettingsStore) -> None:
    """Stop pushing to one of the user's devices."""
    if not store.remove_device(user_id, device_id):
        raise NotFound("no such device")


def list_devices(user_id: UUID, page: PageRequest, *, store: NotificationSettingsStore) -> Page:
    """The user's push devices, newest first."""
    return store.devices_page(user_id, page)
