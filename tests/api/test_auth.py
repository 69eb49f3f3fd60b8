"""Register, log in and log out through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.conftest import make_settings
from travellr.app import create_app
from travellr.config import RateLimit

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"


def _email() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: FlaskClient, email: str, password: str, **kwargs: Any) -> Any:
    return client.post(LOGIN, json={"email": email, "password": password}, **kwargs)


def _claims(account: dict[str, Any]) -> dict[str, Any]:
    return dict(jwt.decode(account["access_token"], options={"verify_signature": False}))


def _forge(claims: dict[str, Any], key: str | None, algorithm: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=algorithm)


def test_the_readme_flow_registers_then_logs_in(client: FlaskClient) -> None:
    body = {"email": "user@example.com", "password": "SecurePass123", "name": "John"}
    registered = client.post(REGISTER, json={**body, "phone": "+1234567890"})

    assert registered.status_code == 201
    data = registered.get_json()
    assert set(data) == {"user", "access_token", "token_type", "expires_in"}
    assert (data["token_type"], data["expires_in"]) == ("Bearer", 3600)
    user = data["user"]
    assert (user["phone"], user["role"], user["is_active"]) == ("+1234567890", "traveler", True)

    logged_in = _login(client, "user@example.com", "SecurePass123")
    assert logged_in.status_code == 200
    assert logged_in.get_json()["user"]["id"] == user["id"]
    me = client.get(ME, headers=_bearer(logged_in.get_json()["access_token"]))
    assert (me.status_code, me.get_json()["id"]) == (200, user["id"])


def test_an_email_taken_in_another_case_is_a_409_problem(api: Api, client: FlaskClient) -> None:
    email = _email()
    api.register(email=email)

    response = client.post(
        REGISTER, json={"email": email.upper(), "password": "SecurePass123", "name": "Twin"}
    )

    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "email_taken"
    assert response.get_json()["status"] == 409


def test_registering_as_admin_is_refused_naming_role(client: FlaskClient) -> None:
    body = {"email": _email(), "password": "SecurePass123", "name": "Eve", "role": "admin"}

    response = client.post(REGISTER, json=body)

    assert response.status_code == 422
    assert "role" in response.get_json()["errors"]
    assert _login(client, body["email"], body["password"]).status_code == 401


def test_registering_as_vendor_is_allowed(api: Api) -> None:
    assert api.register(role="vendor")["user"]["role"] == "vendor"


@pytest.mark.parametrize("password", ["é" * 128, "🧳" * 128, "密码" * 64])
def test_a_128_character_multibyte_password_registers_and_logs_in(
    api: Api, client: FlaskClient, password: str
) -> None:
    account = api.register(password=password)

    assert _login(client, account["user"]["email"], password).status_code == 200


def test_a_password_differing_only_after_byte_72_does_not_log_in(
    api: Api, client: FlaskClient
) -> None:
    password = "é" * 127 + "a"  # 256 bytes: bcrypt alone would only read the first 72
    account = api.register(password=password)

    response = _login(client, account["user"]["email"], "é" * 127 + "b")

    assert response.status_code == 401


@pytest.mark.parametrize("password", ["x" * 7, "x" * 129])
def test_a_password_of_the_wrong_length_is_422(client: FlaskClient, password: str) -> None:
    body = {"email": _email(), "password": password, "name": "Short"}

    response = client.post(REGISTER, json=body)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["password"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("phone", "12345"),
        ("phone", "+0123456"),
        ("phone", "+1 234"),
        ("phone", "+123456789012345\n"),
    ],
)
def test_a_bad_email_or_phone_is_422_naming_it(client: FlaskClient, field: str, value: str) -> None:
    body = {"email": _email(), "password": "SecurePass123", "name": "Bad", field: value}

    response = client.post(REGISTER, json=body)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (REGISTER, {"password": "SecurePass123", "name": "Long"}),
        (LOGIN, {"password": "SecurePass123"}),
    ],
)
def test_an_email_over_254_characters_once_lower_cased_is_422(
    client: FlaskClient, url: str, body: dict[str, str]
) -> None:
    """'İ'.lower() is two characters: 212 sent would be 412 stored (and rate-limit keyed)."""
    response = client.post(url, json={"email": "İ" * 200 + "@example.com", **body})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["email"]


def test_every_login_failure_gets_the_same_401(api: Api, client: FlaskClient) -> None:
    active, deactivated = api.register(), api.register()
    assert client.delete(ME, headers=Api.auth(deactivated)).status_code == 204

    failures = [
        _login(client, active["user"]["email"], "WrongPass123"),
        _login(client, _email(), "SecurePass123"),
        _login(client, deactivated["user"]["email"], deactivated["password"]),
    ]

    assert [response.status_code for response in failures] == [401, 401, 401]
    bodies = [response.get_json() for response in failures]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["code"] == "invalid_credentials"
    assert all(r.content_type == "application/problem+json" for r in failures)


def test_the_access_token_carries_the_contract_claims(api: Api) -> None:
    account = api.register(role="vendor")

    claims = _claims(account)

    assert jwt.get_unverified_header(account["access_token"])["alg"] == "HS256"
    assert claims["sub"] == account["user"]["id"]
    assert claims["role"] == "vendor"
    assert uuid.UUID(claims["jti"])
    assert claims["exp"] == claims["iat"] + 3600
    assert abs(claims["iat"] - datetime.now(UTC).timestamp()) < 60


def test_two_tokens_never_share_a_jti(api: Api, client: FlaskClient) -> None:
    account = api.register()
    again = _login(client, account["user"]["email"], account["password"]).get_json()

    assert _claims(account)["jti"] != _claims(again)["jti"]


@pytest.mark.parametrize(
    ("key", "algorithm"),
    [
        (None, "none"),
        ("another-secret-key-that-is-long-enough!!", "HS256"),
        ("RIGHT", "HS512"),
    ],
    ids=["alg-none", "other-key", "hs512-right-key"],
)
def test_a_forged_token_is_401(
    app: Flask, api: Api, client: FlaskClient, key: str | None, algorithm: str
) -> None:
    claims = _claims(api.register())
    if key == "RIGHT":
        key = app.extensions["travellr"].settings.secret_key

    response = client.get(ME, headers=_bearer(_forge(claims, key, algorithm)))

    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


def test_an_expired_token_is_401(app: Flask, api: Api, client: FlaskClient) -> None:
    claims = _claims(api.register())
    issued = int((datetime.now(UTC) - timedelta(hours=2)).timestamp())
    claims.update(iat=issued, exp=issued + 3600)
    key = app.extensions["travellr"].settings.secret_key

    response = client.get(ME, headers=_bearer(_forge(claims, key, "HS256")))

    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


def test_a_well_signed_token_expiring_after_year_9999_is_401(
    app: Flask, api: Api, client: FlaskClient
) -> None:
    claims = _claims(api.register())
    claims.update(exp=1e20)
    key = app.extensions["travellr"].settings.secret_key

    response = client.get(ME, headers=_bearer(_forge(claims, key, "HS256")))

    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer not.a.jwt", "Bearer x"],
)
def test_a_malformed_authorization_header_is_401_with_a_challenge(
    client: FlaskClient, header: str
) -> None:
    response = client.get(ME, headers={"Authorization": header} if header else {})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.content_type == "application/problem+json"


def _operations_needing_a_token(client: FlaskClient) -> list[tuple[str, str]]:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    return [
        (method.upper(), re.sub(r"\{\w+\}", str(uuid.uuid4()), path))
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method != "parameters" and operation.get("security") == [{"bearerAuth": []}]
    ]


def test_without_a_token_every_protected_operation_is_401_whatever_the_input(
    client: FlaskClient,
) -> None:
    """The token is checked first: a 422 for an anonymous caller's body, query or
    Idempotency-Key would answer the wrong question and describe the schema to anyone."""
    operations = _operations_needing_a_token(client)

    statuses = {
        f"{method} {path}": client.open(
            path,
            method=method,
            json={"bogus": 1} if method in {"POST", "PUT"} else None,
            query_string={"limit": "0", "from": "never"},
            headers={"Idempotency-Key": "not a valid key"},
        ).status_code
        for method, path in operations
    }

    assert len(statuses) > 20
    assert {operation: status for operation, status in statuses.items() if status != 401} == {}


def test_logging_out_revokes_that_token_for_good(api: Api, client: FlaskClient) -> None:
    account = api.register()

    assert client.post(LOGOUT, headers=Api.auth(account)).status_code == 204
    assert client.get(ME, headers=Api.auth(account)).status_code == 401
    assert client.post(LOGOUT, headers=Api.auth(account)).status_code == 401


def test_logging_out_keeps_the_users_other_tokens(api: Api, client: FlaskClient) -> None:
    account = api.register()
    second = _login(client, account["user"]["email"], account["password"]).get_json()

    client.post(LOGOUT, headers=Api.auth(account))

    assert client.get(ME, headers=Api.auth(second)).status_code == 200


@pytest.fixture
def limited_client(database_url: str) -> Iterator[FlaskClient]:
    """An app allowing 3 logins and 2 registrations per hour (a long window: no edge flakiness)."""
    app = create_app(
        make_settings(
            database_url,
            rate_limit_login=RateLimit(3, 3600),
            rate_limit_register=RateLimit(2, 3600),
        )
    )
    yield app.test_client()
    app.extensions["travellr"].engine.dispose()


def _from(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _assert_rate_limited(response: Any) -> None:
    assert response.status_code == 429
    assert response.get_json()["code"] == "rate_limited"
    assert 0 < int(response.headers["Retry-After"]) <= 3600


def test_logins_are_limited_per_client_address(limited_client: FlaskClient) -> None:
    responses = [_login(limited_client, _email(), "WrongPass123") for _ in range(4)]

    assert [r.status_code for r in responses[:3]] == [401, 401, 401]
    _assert_rate_limited(responses[3])
    assert _login(limited_client, _email(), "x" * 8, **_from("10.0.0.2")).status_code == 401


def test_logins_are_limited_per_account_whatever_the_address(limited_client: FlaskClient) -> None:
    body = {"email": _email(), "password": "SecurePass123", "name": "Target"}
    assert limited_client.post(REGISTER, json=body, **_from("10.0.1.1")).status_code == 201
    for n in range(3):
        _login(limited_client, body["email"], "WrongPass123", **_from(f"10.0.2.{n}"))

    fresh = _from("10.9.9.9")
    _assert_rate_limited(_login(limited_client, body["email"], body["password"], **fresh))
    assert _login(limited_client, _email(), "WrongPass123", **fresh).status_code == 401


def test_registrations_are_limited(limited_client: FlaskClient) -> None:
    def register(address: str, email: str | None = None) -> Any:
        body = {"email": email or _email(), "password": "SecurePass123", "name": "Many"}
        return limited_client.post(REGISTER, json=body, **_from(address))

    assert [register("10.1.0.1").status_code for _ in range(2)] == [201, 201]
    _assert_rate_limited(register("10.1.0.1"))
    email = _email()
    assert [register(f"10.1.1.{n}", email).status_code for n in range(2)] == [201, 409]
    _assert_rate_limited(register("10.1.1.9", email))


def test_current_password_guesses_are_limited_per_account(limited_client: FlaskClient) -> None:
    body = {"email": _email(), "password": "SecurePass123", "name": "Target"}
    token = limited_client.post(REGISTER, json=body).get_json()["access_token"]
    stolen = {"Authorization": f"Bearer {token}"}

    def guess(n: int, current: str) -> Any:
        change = {"password": "TakenOver123", "current_password": current}
        return limited_client.put(ME, json=change, headers=stolen, **_from(f"10.2.0.{n}"))

    assert [guess(n, f"Guess{n}Pass").status_code for n in range(3)] == [422, 422, 422]
    _assert_rate_limited(guess(9, body["password"]))
    assert _login(limited_client, body["email"], body["password"]).status_code == 200
