"""Generated requests against every operation of the OpenAPI document: no 5xx, no stray body
or header.

Schemathesis builds requests from the document the app serves, valid and invalid alike, and
sends them through the app as a traveller, a vendor and an admin, with path ids either
generated or those of a real trip, paid booking, payment, vendor and traveller. Bad input must
get a clear 4xx, never a 500, every answer's body must follow the schema the document gives
its status and content type (problem bodies included), and its headers the document's headers
(a required one present: `Location` on every 201; each one present of its type). Examples are
derandomised, so a run is repeatable; a failure prints the request to replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import MissingHeaders

from tests.api.conftest import Api
from tests.api.factories import TRIPS, book_paid, make_trip, payment_of, trip_body
from tests.conftest import make_settings
from travellr.app import create_app
from travellr.config import Settings

ROLES = ("traveler", "vendor", "admin")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The test settings, with Stripe webhooks configured so that they are exercised too."""
    return make_settings(database_url, stripe_webhook_secret="whsec_fuzz")


@dataclass(frozen=True)
class World:
    accounts: dict[str, dict[str, Any]]  # by role
    ids: dict[str, str]  # by path parameter name


@pytest.fixture
def world(api: Api) -> World:
    """One account per role, and a trip with a paid booking for generated requests to act on."""
    traveller, vendor = api.register("traveler"), api.register("vendor")
    booking = book_paid(api, traveller, make_trip(api, vendor))
    ids = {
        "trip_id": booking["trip_id"],
        "booking_id": booking["id"],
        "payment_id": payment_of(api, traveller, booking)["id"],
        "vendor_id": vendor["user"]["id"],
        "user_id": traveller["user"]["id"],
    }
    return World({"traveler": traveller, "vendor": vendor, "admin": api.admin()}, ids)


# The document only, read at collection from an app that never opens its database; each test
# sends its requests to the `app` fixture's, on SQLite and on PostgreSQL.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app(make_settings("sqlite://"))
)


@schema.given(role=st.sampled_from(ROLES), known_ids=st.booleans())
@schema.parametrize()
@hypothesis.settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    # The document's own examples ("150.00") are not run as explicit cases: they cannot be
    # combined with @schema.given, and generation covers them.
    phases=[phase for phase in hypothesis.Phase if phase is not hypothesis.Phase.explicit],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_generated_request_gets_a_server_error(
    case: Any, role: str, known_ids: bool, app: Flask, world: World
) -> None:
    if known_ids and case.path_parameters:
        for name in case.path_parameters.keys() & world.ids.keys():
            case.path_parameters[name] = world.ids[name]
    headers = Api.auth(world.accounts[role])
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


def test_the_checks_refuse_a_201_without_its_location(api: Api, world: World) -> None:
    """The header check is in force on this document: a created trip's answer passes it, and
    fails it once its `Location` is gone."""
    create_trip = schema["/api/v1/trips"]["POST"]
    case = create_trip.Case(body=trip_body())
    answer = api.client.post(TRIPS, json=case.body, headers=Api.auth(world.accounts["vendor"]))
    assert answer.status_code == 201

    case.validate_response(answer, checks=CHECKS)
    del answer.headers["Location"]
    with pytest.raises(FailureGroup) as failed:
        case.validate_response(answer, checks=CHECKS)
    missing = [f.missing_headers for f in failed.value.exceptions if isinstance(f, MissingHeaders)]
    assert missing == [["Location"]]
