"""openapi-typescript turns the live document into types that `tsc --noEmit --strict` accepts.

The Node tools are the pinned ones of package.json, installed by `make node-tools` (which
`make check` and .ci/run run). Without Node.js on the machine the test is skipped; with Node
but without the tools it is skipped too, except where TRAVELLR_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES, make_settings
from travellr.app import create_app

NODE_BIN = Path(__file__).resolve().parents[2] / "node_modules" / ".bin"
# Uses the generated types the way a client would: it compiles only if they say what they must.
USAGE = """\
import type { components, operations } from "./api";

type Booking = components["schemas"]["BookingOut"];
const status: Booking["status"] = "confirmed";
const price: Booking["total_price"] = "150.00";
type Declined = operations["createBooking"]["responses"][402]["content"];
const declined: Declined["application/problem+json"] = {
  type: "urn:travellr:problem:payment_declined",
  title: "The payment was declined",
  status: 402,
  detail: "the card was declined",
  code: "payment_declined",
  booking_id: "7d1e5b0e-8f3a-4c1e-9a57-2f0f4b1f6a10",
  payment_id: "0b0b6a54-3f6e-4c4f-8e0e-5c2b8c1a9d21",
};
type Analytics = operations["getAnalytics"]["responses"][200]["content"]["application/json"];
const gross = (figures: Analytics): string => figures.revenue.gross;
export { status, price, declined, gross };
"""


def _tool(name: str) -> Path:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not on this machine (it is on the development machines and CI)")
    tool = NODE_BIN / name
    if not tool.exists():
        message = f"{name} is not installed: run `make node-tools`"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return tool


def test_openapi_typescript_types_compile(tmp_path: Path) -> None:
    generate, compile_ = _tool("openapi-typescript"), _tool("tsc")
    app = create_app(make_settings("sqlite://"))  # the document does not depend on the database
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    app.extensions["travellr"].engine.dispose()
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    (tmp_path / "usage.ts").write_text(USAGE)

    run = subprocess.run(
        [str(generate), "openapi.json", "-o", "api.d.ts"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    checked = subprocess.run(
        [str(compile_), "--noEmit", "--strict", "api.d.ts", "usage.ts"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
