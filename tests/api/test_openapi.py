"""The OpenAPI document as client generators and docs tools take it, and the docs page."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

import travellr
from tests.conftest import make_settings
from travellr.app import create_app

SOURCE = Path(travellr.__file__).parent
ASSETS = SOURCE / "api" / "docs" / "static"
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
PROBLEM_JSON = "application/problem+json"
METHODS = {"get", "put", "post", "delete", "patch"}
# Every place a problem code is written down: a DomainError's `code = "..."`, or `code="..."`.
CODE_IN_SOURCE = re.compile(r"""\bcode\s*=\s*"([a-z_]+)\"""")


@pytest.fixture(scope="module")
def document() -> Iterator[dict[str, Any]]:
    app = create_app(make_settings("sqlite://"))
    yield app.test_client().get("/api/v1/openapi.json").get_json()
    app.extensions["travellr"].engine.dispose()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_operation_has_a_unique_camel_case_operation_id(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, _, operation in operations(document)]

    assert [name for name in ids if not CAMEL_CASE.match(name)] == []
    assert len(ids) == len(set(ids))
    assert {"register", "login", "listTrips", "createTrip", "createBooking"} <= set(ids)
    assert {
        "cancelBooking",
        "refundPayment",
        "payVendor",
        "getVendorBalance",
        "getAnalytics",
    } <= set(ids)


def test_operations_are_tagged_by_resource(document: dict[str, Any]) -> None:
    tags = {(path, method): operation["tags"] for path, method, operation in operations(document)}

    assert tags["/api/v1/bookings", "post"] == ["bookings"]
    assert tags["/api/v1/trips/{trip_id}", "get"] == ["trips"]
    assert {tag["name"] for tag in document["tags"]} >= {"auth", "trips", "bookings", "payments"}


def _untyped(schema: dict[str, Any], where: str) -> Iterator[str]:
    if "$ref" in schema or any(key in schema for key in ("allOf", "oneOf", "anyOf")):
        return
    if "type" not in schema:
        yield where
    for name, inner in schema.get("properties", {}).items():
        yield from _untyped(inner, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _untyped(schema["items"], f"{where}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _untyped(schema["additionalProperties"], f"{where}{{}}")


def test_no_property_or_parameter_lacks_a_type(document: dict[str, Any]) -> None:
    untyped = [
        where
        for name, schema in document["components"]["schemas"].items()
        for where in _untyped(schema, name)
    ]
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            untyped += _untyped(parameter["schema"], f"{method} {path} {parameter['name']}")

    assert untyped == []


def test_every_error_response_has_the_problem_schema(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path} {status}"
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if (status == "default" or status[0] in "45")
        and "$ref" not in response.get("content", {}).get(PROBLEM_JSON, {}).get("schema", {})
    ]

    assert missing == []
    booking = document["paths"]["/api/v1/bookings"]["post"]["responses"]
    assert "WWW-Authenticate" in booking["401"]["headers"]
    assert (
        "Retry-After"
        in document["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"]["headers"]
    )
    declined = booking["402"]["content"][PROBLEM_JSON]["schema"]["$ref"].split("/")[-1]
    assert "booking_id" in document["components"]["schemas"][declined]["required"]
    payout = document["paths"]["/api/v1/vendors/{vendor_id}/payout"]["post"]["responses"]
    below = payout["422"]["content"][PROBLEM_JSON]["schema"]["$ref"].split("/")[-1]
    assert "amount" in document["components"]["schemas"][below]["properties"]


def test_money_dates_ids_and_statuses_have_their_types(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    booking, payout = schemas["BookingOut"]["properties"], schemas["PayoutOut"]["properties"]

    for money in (booking["total_price"], schemas["TripOut"]["properties"]["price"]):
        assert money["type"] == "string"
        assert re.fullmatch(money["pattern"], "150.00")
        assert not re.fullmatch(money["pattern"], "1.005")
        assert money["example"] == "150.00"
    assert booking["refund_amount"]["nullable"] is True
    assert booking["id"] == {"type": "string", "format": "uuid", "readOnly": True}
    assert booking["trip_date"]["format"] == "date-time"
    assert payout["period_start"]["format"] == "date"
    assert booking["status"]["enum"] == [
        "pending",
        "confirmed",
        "cancelled",
        "completed",
        "expired",
    ]
    assert schemas["UserOut"]["properties"]["role"]["enum"] == ["traveler", "vendor", "admin"]
    assert schemas["RegisterIn"]["properties"]["role"]["enum"] == ["traveler", "vendor"]
    assert schemas["RegisterIn"]["properties"]["password"]["writeOnly"] is True
    assert set(schemas["BookingOut"]["required"]) == set(booking)
    trips = document["paths"]["/api/v1/trips"]["get"]["parameters"]
    assert {p["name"]: p["schema"]["type"] for p in trips}["from"] == "string"


def test_every_201_documents_its_location_header_as_required(document: dict[str, Any]) -> None:
    created = {
        f"{method} {path}": response.get("headers", {}).get("Location", {})
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if status == "201"
    }

    assert len(created) >= 5
    optional = [name for name, location in created.items() if location.get("required") is not True]
    assert optional == []


def test_the_description_lists_every_problem_code_with_its_status(
    document: dict[str, Any],
) -> None:
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (\w+) \|", document["info"]["description"], re.M))
    written = {
        code
        for module in SOURCE.rglob("*.py")
        for code in CODE_IN_SOURCE.findall(module.read_text())
    }

    assert written - {"domain_error", "http_error"} <= set(table), written - set(table)
    assert table["sold_out"] == "409"
    assert table["payment_declined"] == "402"
    assert table["below_minimum"] == "422"
    assert table["unauthenticated"] == "401"


def test_the_vendored_swagger_ui_matches_its_checksums() -> None:
    vendored = ASSETS / "swagger-ui"
    sums = dict(
        reversed(line.split("  ", 1)) for line in (vendored / "SHA256SUMS").read_text().splitlines()
    )

    assert {"LICENSE", "swagger-ui-bundle.js", "swagger-ui.css"} <= set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((vendored / name).read_bytes()).hexdigest() == digest, name
    assert (vendored / "VERSION").read_text().startswith("swagger-ui-dist@")


@pytest.mark.parametrize("path", ["/api/docs", "/api/docs/"])
def test_the_docs_page_loads_only_this_origins_assets(client: FlaskClient, path: str) -> None:
    page = client.get(path)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(sources) >= 4
    assert all(source.startswith("/api/docs/assets/") for source in sources)
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert "max-age=31536000" in asset.headers["Cache-Control"]
        assert "immutable" in asset.headers["Cache-Control"]
        asset.close()


def test_an_assets_url_changes_with_its_content(client: FlaskClient) -> None:
    html = client.get("/api/docs").get_data(as_text=True)
    bundle = re.search(r'src="(/api/docs/assets/swagger-ui/swagger-ui-bundle\.js\?v=(\w+))"', html)

    assert bundle is not None
    content = (ASSETS / "swagger-ui" / "swagger-ui-bundle.js").read_bytes()
    assert hashlib.sha256(content).hexdigest().startswith(bundle.group(2))
    assert client.get("/api/docs/assets/../../../app.py").status_code == 404
