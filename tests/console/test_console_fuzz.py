"""Hypothesis-generated values posted to every console form (with a valid CSRF token) and put
in every page's query string: a 4xx or a page, never a 5xx. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import hypothesis
from hypothesis import HealthCheck
from hypothesis import strategies as st

from tests.api.conftest import Api
from tests.api.factories import book_paid, make_trip
from tests.console.conftest import csrf_of

# Text as a browser may send it: anything, including NUL, surrogates' neighbours, huge numbers.
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(["", " ", "-1", "0", "1e400", "2030-06-01T09:30", "pending", "\x00"]),
)
FUZZ = hypothesis.settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TRIP_FIELDS = ("title", "destination", "description", "start_at", "end_at", "price", "capacity")
QUERY_FIELDS = (
    *("from", "to", "status", "trip_id", "user_id", "vendor_id", "cursor", "limit"),
    *("q", "role", "is_active", "action", "subject_type", "subject_id", "actor_id"),
    *("period_start", "period_end", "user_email", "destination"),
)


def _form(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUES))


def test_no_console_form_or_query_answers_a_5xx(api: Api, browser: Any) -> None:
    admin = api.admin()
    vendor = api.register("vendor")
    trip = make_trip(api, vendor)
    booking = book_paid(api, api.register(), trip)
    [payment] = api.client.get(
        "/api/v1/payments", query_string={"booking_id": booking["id"]}, headers=Api.auth(admin)
    ).get_json()["items"]
    page = browser()
    page.sign_in(admin["user"]["email"])
    token = csrf_of(page.get("/console/trips").get_data(as_text=True))
    posts = {
        "/console/trips/new": (*TRIP_FIELDS, "vendor_id"),
        f"/console/trips/{trip['id']}": TRIP_FIELDS,
        f"/console/bookings/{booking['id']}/cancel": ("reason",),
        f"/console/users/{vendor['user']['id']}/role": ("role",),
        "/console/payouts/run": ("vendor_id", "period_start", "period_end"),
        f"/console/bookings/{booking['id']}/payments/{payment['id']}/refund": ("amount", "reason"),
    }
    gets = ("/console/dashboard", "/console/bookings", "/console/trips", "/console/users")
    gets += ("/console/audit-log", "/console/payouts", "/console/payouts/preview")

    @FUZZ
    @hypothesis.given(url=st.sampled_from(sorted(posts)), data=st.data(), query=_form(QUERY_FIELDS))
    def post_and_get(url: str, data: st.DataObject, query: dict[str, str]) -> None:
        form = data.draw(_form(posts[url]))
        posted = page.client.post(url, data={**form, "csrf_token": token})
        assert posted.status_code < 500, (url, form)
        for path in gets:
            shown = page.get(path, query_string=query)
            assert shown.status_code < 500, (path, query)

    post_and_get()

    signed_out = browser()

    @FUZZ
    @hypothesis.given(form=_form(("email", "password", "next")))
    def sign_in(form: dict[str, str]) -> None:
        sign_in_page = signed_out.get("/console/sign-in").get_data(as_text=True)
        answer = signed_out.client.post(
            "/console/sign-in", data={**form, "csrf_token": csrf_of(sign_in_page)}
        )
        assert answer.status_code < 500, form
        if answer.status_code == 302:
            assert answer.headers["Location"].startswith("/console/")

    sign_in()
