"""The error model, request ids, probes, the OpenAPI document and the JSON logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import REDIS_URL, make_settings, requires_redis
from travellr.app import create_app
from travellr.observability.logs import JsonFormatter

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
VALID_BODIES = {
    REGISTER: {"email": "text@example.com", "password": "SecurePass123", "name": "Text"},
    LOGIN: {"email": "text@example.com", "password": "SecurePass123"},
}
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def _assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json(force=True)
    assert set(body) >= PROBLEM_KEYS
    assert (body["status"], body["code"]) == (status, code)
    assert body["title"]
    assert body["detail"]
    return dict(body)


@pytest.fixture
def make_app(database_url: str) -> Iterator[Any]:
    """Builds apps with overridden settings, disposing their engines afterwards."""
    apps: list[Flask] = []

    def build(**overrides: object) -> Flask:
        apps.append(create_app(make_settings(overrides.pop("url", database_url), **overrides)))
        return apps[-1]

    yield build
    for app in apps:
        app.extensions["travellr"].engine.dispose()


def test_an_unknown_route_is_a_404_problem(client: FlaskClient) -> None:
    _assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_405_problem_with_allow(client: FlaskClient) -> None:
    response = client.get("/api/v1/auth/login")

    _assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": '{"email": "a@b.co"}', "content_type": "text/plain"},
        {"data": {"email": "a@b.co", "password": "x" * 8, "name": "F"}},
    ],
    ids=["text-plain", "form"],
)
def test_a_body_that_is_not_json_is_415(client: FlaskClient, kwargs: dict[str, Any]) -> None:
    _assert_problem(client.post(REGISTER, **kwargs), 415, "unsupported_media_type")


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post(REGISTER, data='{"email": ', content_type="application/json")

    _assert_problem(response, 400, "bad_request")


def test_a_body_over_one_mebibyte_is_413(client: FlaskClient) -> None:
    body = json.dumps({"email": "a@b.co", "name": "x" * (2 * 1024 * 1024)})

    response = client.post(REGISTER, data=body, content_type="application/json")

    _assert_problem(response, 413, "payload_too_large")


def _post_chunked(client: FlaskClient, body: bytes) -> Any:
    """As gunicorn serves a chunked upload: no Content-Length, wsgi.input_terminated set."""
    return client.post(
        REGISTER,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_one_mebibyte_is_413(client: FlaskClient) -> None:
    body = json.dumps({"email": "a@b.co", "name": "x" * (1024 * 1024)}).encode()

    _assert_problem(_post_chunked(client, body), 413, "payload_too_large")


def test_a_chunked_body_of_exactly_one_mebibyte_is_read_whole(client: FlaskClient) -> None:
    body = {"email": "chunked@example.com", "password": "SecurePass123", "name": "Chunked"}
    text = json.dumps(body).encode()
    padded = text[:-1] + b" " * (1024 * 1024 - len(text)) + b"}"

    response = _post_chunked(client, padded)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user"]["email"] == "chunked@example.com"


def test_unknown_fields_are_a_flat_422_naming_them(client: FlaskClient) -> None:
    body = {"email": "a@example.com", "password": "x" * 8, "name": "N", "admin": 1, "x": 2}

    problem = _assert_problem(client.post(REGISTER, json=body), 422, "validation_failed")

    assert set(problem["errors"]) == {"admin", "x"}
    assert all(isinstance(messages, list) for messages in problem["errors"].values())
    assert "json" not in problem["errors"]
    assert "admin" in problem["detail"]


def test_missing_fields_are_named_too(client: FlaskClient) -> None:
    problem = _assert_problem(client.post(REGISTER, json={}), 422, "validation_failed")

    assert set(problem["errors"]) == {"email", "password", "name"}


@pytest.mark.parametrize(
    ("url", "field", "value"),
    [
        (REGISTER, "password", "\ud800" * 8),
        (REGISTER, "name", "Bad \ud800 name"),
        (REGISTER, "name", "Nul\u0000Name"),
        (LOGIN, "email", "a\u0000b@example.com"),
        (LOGIN, "password", "\udfff" * 8),
    ],
    ids=["surrogate-password", "surrogate-name", "nul-name", "nul-login-email", "surrogate-login"],
)
def test_text_with_nul_or_a_lone_surrogate_is_422_naming_the_field(
    client: FlaskClient, url: str, field: str, value: str
) -> None:
    """JSON can carry NUL and lone surrogates (\\ud800); neither can be hashed or stored."""
    body = {**VALID_BODIES[url], field: value}

    problem = _assert_problem(client.post(url, json=body), 422, "validation_failed")

    assert list(problem["errors"]) == [field]


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_past_the_parsers_depth_is_400(client: FlaskClient, opening: str) -> None:
    closing, value = ("]", "") if opening == "[" else ("}", "1")
    body = opening * 100_000 + value + closing * 100_000

    response = client.post(REGISTER, data=body, content_type="application/json")

    _assert_problem(response, 400, "bad_request")


def test_every_response_gets_a_generated_request_id(client: FlaskClient) -> None:
    ids = [
        client.get("/healthz").headers["X-Request-ID"],
        client.get("/nowhere").headers["X-Request-ID"],
        client.post(REGISTER, json={}).headers["X-Request-ID"],
    ]

    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    assert len(set(ids)) == 3


def test_a_sane_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "client-abc_123.4:5"})

    assert response.headers["X-Request-ID"] == "client-abc_123.4:5"


@pytest.mark.parametrize("sent", ["has spaces", "x" * 500, "<script>", "a\tb", "é"])
def test_an_insane_request_id_is_replaced(client: FlaskClient, sent: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": sent})

    assert response.headers["X-Request-ID"] != sent
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_an_unexpected_exception_is_a_generic_500(make_app: Any) -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret-internal-detail in /srv/app.py line 42")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "trace-me-42"})

    problem = _assert_problem(response, 500, "internal_error")
    assert problem["request_id"] == "trace-me-42" == response.headers["X-Request-ID"]
    text = response.get_data(as_text=True)
    assert "secret-internal-detail" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text


def test_healthz_says_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": True}


def test_readyz_is_503_naming_an_unreachable_database(
    make_app: Any, tmp_path: Path, database_url: str
) -> None:
    url = (
        f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it as a file
        if database_url.startswith("sqlite")
        else "postgresql+psycopg://postgres@127.0.0.1:1/test"
    )

    response = make_app(url=url).test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["failing"] == ["database"]
    assert response.get_json()["checks"]["database"] is False


def test_readyz_stays_200_naming_an_unreachable_redis_as_degraded(make_app: Any) -> None:
    response = make_app(redis_url="redis://127.0.0.1:1/0").test_client().get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["degraded"] == ["redis"]
    assert response.get_json()["checks"] == {"database": True, "redis": False}


@pytest.mark.redis
def test_readyz_checks_a_configured_redis(make_app: Any) -> None:
    requires_redis()

    response = make_app(redis_url=REDIS_URL).test_client().get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": True, "redis": True}


def test_the_openapi_document_covers_every_route(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule): rule.methods
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json"
    }

    assert spec["openapi"].startswith("3.")
    assert len(routes) >= 5
    assert set(routes) <= set(spec["paths"])
    for path, methods in routes.items():
        documented = {m.upper() for m in spec["paths"][path]} - {"PARAMETERS"}
        assert methods - {"HEAD", "OPTIONS"} <= documented, path
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


NO_BODY = {  # actions on the resource in the path: nothing to send
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret"),
    ("post", "/api/v1/webhook-endpoints/{endpoint_id}/test"),
    ("post", "/api/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/retry"),
}
STRIPES_OWN_PAYLOAD = {"/api/v1/webhooks/stripe"}  # a signed Stripe event, not our schema


def test_the_openapi_document_has_request_and_response_schemas(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    missing = []

    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters" or path in STRIPES_OWN_PAYLOAD:
                continue
            if method in {"post", "put", "patch"} and (method, path) not in NO_BODY:
                body = operation.get("requestBody", {}).get("content", {})
                if "schema" not in body.get("application/json", {}):
                    missing.append(f"{method} {path} request")
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            content = operation["responses"][ok].get("content", {})
            if ok not in {"202", "204"} and "schema" not in content.get("application/json", {}):
                missing.append(f"{method} {path} {ok} response")

    assert missing == []
    assert paths["/api/v1/users/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/auth/login"]["post"]["security"] == []  # stated: no token needed


def test_the_interactive_docs_are_served(client: FlaskClient) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "openapi.json" in response.get_data(as_text=True)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler, root = _Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_writes_a_json_access_line(client: FlaskClient, log_lines: list[str]) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "log-line-1"})

    access = [json.loads(line) for line in log_lines if '"travellr.access"' in line]
    assert len(access) == 1
    assert access[0]["request_id"] == "log-line-1" == response.headers["X-Request-ID"]
    assert (access[0]["method"], access[0]["path"], access[0]["status"]) == ("GET", "/healthz", 200)
    assert isinstance(access[0]["duration_ms"], float)
    assert access[0]["duration_ms"] >= 0


def test_passwords_never_reach_the_logs(client: FlaskClient, log_lines: list[str]) -> None:
    secret = "Never-Log-Me-7f3a9c"
    body = {"email": "log@example.com", "password": secret, "name": "Log"}

    client.post(REGISTER, json=body)
    client.post(REGISTER, json=body)
    client.post("/api/v1/auth/login", json={"email": body["email"], "password": secret})
    client.post("/api/v1/auth/login", json={"email": body["email"], "password": secret + "x"})
    client.post(REGISTER, json={**body, "password": secret[:5]})

    assert len([line for line in log_lines if '"travellr.access"' in line]) == 5
    assert not [line for line in log_lines if secret[:5] in line]
