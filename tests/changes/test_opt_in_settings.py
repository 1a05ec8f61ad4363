"""``change_feed_events`` and ``model_custom_fields``: read from the file and the environment,
and checked once (``RunPlan.of``) before anything is asked of Visma, one message each."""

from __future__ import annotations

from pathlib import Path

import pytest

from visma_hrm.config import load_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.sync.plan import PAY_EVENTS, FeedEvents, RunPlan
from visma_hrm.sync.steps.field_events import PAY_EVENTS as PAY_COLUMNS

TENANT = "11111111-2222-3333-4444-555555555555"
BASE = {"VISMA_HRM_CLIENT_ID": "isv_x", "VISMA_HRM_CLIENT_SECRET": "s", "VISMA_HRM_TENANTS": TENANT}


def _plan(tmp_path: Path, toml: str = "", **env: str) -> RunPlan:
    path = tmp_path / "visma-hrm.toml"
    path.write_text(f"[visma_hrm]\n{toml}\n", encoding="utf-8")
    return RunPlan.of(load_settings(path, env={**BASE, **env}))


def test_opt_in_events_are_off_by_default_and_read_from_file_or_environment(
    tmp_path: Path,
) -> None:
    plan = _plan(tmp_path)
    assert plan.feed_events == FeedEvents() and plan.settings.model_custom_fields == ("all",)
    plan = _plan(
        tmp_path,
        'change_feed = true\nchange_feed_events = ["salary_change", "custom_field:Locatie"]\n'
        "model_custom_fields = []",
    )
    assert plan.feed_events == FeedEvents(("salary_change",), ("Locatie",))
    assert plan.settings.model_custom_fields == ()
    plan = _plan(
        tmp_path,
        VISMA_HRM_CHANGE_FEED="true",
        VISMA_HRM_CHANGE_FEED_EVENTS="step_change, custom_field:Reisafstand (km)",
        VISMA_HRM_MODEL_CUSTOM_FIELDS="Locatie,BHV",
    )
    assert plan.feed_events == FeedEvents(("step_change",), ("Reisafstand (km)",))
    assert plan.settings.model_custom_fields == ("Locatie", "BHV")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'change_feed = true\nchange_feed_events = ["salary_chnage"]',
            "Did you mean salary_change",
        ),
        ('change_feed = true\nchange_feed_events = ["custom_field:"]', "custom_field:<field name>"),
        (
            'change_feed = false\nchange_feed_events = ["scale_change"]',
            "change_feed = true as well",
        ),
        ('model_custom_fields = ["Locatie", " "]', "a field name is empty"),
    ],
)
def test_a_wrong_opt_in_setting_stops_the_run_with_one_message(
    tmp_path: Path, toml: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _plan(tmp_path, toml)


def test_every_pay_event_the_plan_accepts_has_its_columns() -> None:
    assert set(PAY_EVENTS) == set(PAY_COLUMNS)
