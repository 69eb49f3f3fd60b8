"""The signed-in user's notification channels and the devices push notifications reach."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields, validate

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import auth_required, current_actor, services, utcnow
from travellr.api.http.fields import StrictSchema, UtcDateTime
from travellr.api.http.locations import located
from travellr.api.http.pagination import ListArgs, list_of, page_body, page_request
from travellr.application import notification_settings as settings
from travellr.application.ports.notifications import Device, NotificationSettingsStore
from travellr.domain.notifications import Platform, Preferences

blp = Blueprint(
    "notification_settings",
    __name__,
    url_prefix="/api/v1/users/me",
    description="Notification channels and push devices of the signed-in user",
)

TOKEN = validate.Regexp(
    r"^[\x21-\x7e]{1,4096}\Z", error="Must be 1 to 4096 printable ASCII characters, no spaces."
)


class StrictBoolean(fields.Boolean):
    """JSON true or false only: no 1, "yes" or "true" guessed at."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class PreferencesOut(StrictSchema):
    email = fields.Boolean(metadata={"description": "on by default"})
    sms = fields.Boolean(metadata={"description": "off by default; needs a phone on the account"})
    push = fields.Boolean(metadata={"description": "on by default; reaches registered devices"})


class PreferencesIn(StrictSchema):
    email = StrictBoolean()
    sms = StrictBoolean(metadata={"description": "true needs a phone on the account (else 422)"})
    push = StrictBoolean()


class DeviceIn(StrictSchema):
    token = fields.String(
        required=True, validate=TOKEN, metadata={"description": "the FCM registration token"}
    )
    platform = fields.Enum(Platform, by_value=True, required=True)


class DeviceOut(StrictSchema):
    id = fields.UUID()
    token = fields.String()
    platform = fields.Enum(Platform, by_value=True)
    created_at = UtcDateTime(metadata={"description": "when it was registered to you"})


def _store() -> NotificationSettingsStore:
    return services().notifications


@blp.route("/notification-preferences", methods=["GET"])
@blp.doc(operationId="getNotificationPreferences")
@auth_required
@blp.response(200, PreferencesOut)
def get_preferences() -> Preferences:
    """Your notification channels (email on, SMS off, push on until you choose)."""
    return settings.get_preferences(current_actor().user_id, store=_store())


@blp.route("/notification-preferences", methods=["PUT"])
@blp.doc(operationId="updateNotificationPreferences")
@auth_required
@blp.arguments(PreferencesIn())
@blp.response(200, PreferencesOut)
@blp.alt_response(422, description="unknown field, not a boolean, or `sms_needs_phone`")
def update_preferences(body: dict[str, bool]) -> Preferences:
    """Turn channels on or off; those left out stay as they are."""
    return settings.update_preferences(current_actor().user_id, body, store=_store(), now=utcnow())


@blp.route("/devices", methods=["POST"])
@blp.doc(operationId="registerDevice")
@auth_required
@blp.arguments(DeviceIn())
@located("notification_settings.remove_device", device_id="id")
@blp.response(201, DeviceOut, description="Registered to you (new, or moved from another account)")
@blp.alt_response(200, schema=DeviceOut, description="The token was registered to you already")
def register_device(body: dict[str, Any]) -> tuple[Device, int]:
    """Register a device's push token; a token is the device's, so it moves to whoever posts it."""
    device, created = settings.register_device(
        current_actor().user_id, body["token"], body["platform"], store=_store(), now=utcnow()
    )
    return device, 201 if created else 200


@blp.route("/devices", methods=["GET"])
@blp.doc(operationId="listDevices")
@auth_required
@blp.arguments(ListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(DeviceOut))
def list_devices(args: dict[str, Any]) -> dict[str, Any]:
    """Your registered devices, newest first."""
    page = settings.list_devices(current_actor().user_id, page_request(args), store=_store())
    return page_body(page)


@blp.route("/devices/<uuid:device_id>", methods=["DELETE"])
@blp.doc(operationId="removeDevice")
@auth_required
@blp.response(204)
@blp.alt_response(404, description="no such device of yours")
def remove_device(device_id: UUID) -> None:
    """Stop push notifications to one of your devices."""
    settings.remove_device(current_actor().user_id, device_id, store=_store())
