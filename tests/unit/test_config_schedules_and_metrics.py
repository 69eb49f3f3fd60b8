"""Cron schedules are checked by Celery beat's own parser at start-up; METRICS_TOKEN guards
/metrics, which production serves only with it."""

from __future__ import annotations

import pytest

from tests.unit.test_deploy_files import ROOT
from travellr.config import ConfigError, Settings
from travellr.workers.schedule import beat_schedule, describe


def _settings(**env: str) -> Settings:
    return Settings.from_env({"TRAVELLR_ENV": "testing", **env})


def test_the_default_schedules_are_what_beat_runs() -> None:
    schedule = beat_schedule(_settings())

    assert describe(schedule["pay-vendors"]["schedule"]) == "cron 0 6 * * 1 (UTC)"
    assert describe(schedule["purge"]["schedule"]) == "cron 30 3 * * * (UTC)"


def test_a_schedule_with_extra_spaces_and_names_is_accepted() -> None:
    settings = _settings(PAYOUT_SCHEDULE="  15  7 * * mon,thu ")

    assert settings.payout_schedule == "15 7 * * mon,thu"
    pay = beat_schedule(settings)["pay-vendors"]["schedule"]
    assert describe(pay) == "cron 15 7 * * mon,thu (UTC)"


@pytest.mark.parametrize("name", ["PAYOUT_SCHEDULE", "PURGE_SCHEDULE"])
@pytest.mark.parametrize(
    "value",
    [
        "0 6 * *",
        "0 6 * * 1 2",
        "61 6 * * 1",
        "0 24 * * *",
        "0 6 32 * *",
        "*/0 * * * *",
        "0,, * * * *",
        "weekly",
        "0 6 * * 8",
    ],
)
def test_a_bad_schedule_stops_the_process_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(
        ConfigError, match=f"^{name}=.*is not a cron schedule.*e.g. '0 6 \\* \\* 1'"
    ):
        _settings(**{name: value})


def test_metrics_are_open_outside_production_and_guarded_by_a_token() -> None:
    assert _settings().metrics_served is True
    assert _settings(METRICS_TOKEN="t" * 32).metrics_token == "t" * 32
    production = {"TRAVELLR_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://"}

    assert Settings.from_env(production).metrics_served is False
    assert Settings.from_env({**production, "METRICS_TOKEN": "t" * 32}).metrics_served is True
    assert (
        Settings.from_env(
            {**production, "METRICS_ENABLED": "false", "METRICS_TOKEN": "t"}
        ).metrics_served
        is False
    )


def test_every_new_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()

    for name in ("METRICS_TOKEN", "PAYOUT_SCHEDULE", "PURGE_SCHEDULE"):
        assert f"| `{name}` |" in readme, name
