"""The Causalyn case study through dbt: with its own scores and parameters the SQL gates reproduce its
published account decisions exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import case_study_vars, query, run_dbt

from earmark.ingest.causalyn import ingest_causalyn

pytestmark = pytest.mark.integration

# The case study's parameters (case_studies/causalyn.vars), with its own scores
CASE_STUDY_VARS = "uplift_score_source: external, " + case_study_vars("causalyn")


@pytest.fixture(scope="module")
def causalyn_db(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("causalyn")
    raw = work / "raw"
    ingest_causalyn(datasets_dir / "causalyn", raw)
    db = work / "earmark.duckdb"
    run_dbt(raw, db, extra_vars=CASE_STUDY_VARS)
    return db


def test_gates_reproduce_the_published_decisions(causalyn_db: Path) -> None:
    decisions = dict(
        query(
            causalyn_db,
            "select case when action in ('automated_nudge', 'human_outreach') then 'treat' "
            "else deciding_gate end, count(*) from account_actions where scored_customers > 0 group by 1",
        )
    )
    # the case study publishes these as treat, toxic_users, toxic_admin and too_small: Earmark's gates
    # toxic_customers and admin_veto decide the same accounts under its own names
    assert decisions == {"treat": 964, "toxic_customers": 937, "admin_veto": 281, "too_small": 220}
    assert sum(decisions.values()) == 2_402
    # accounts without a scored customer are not decided on at all
    assert query(
        causalyn_db, "select count(*), min(deciding_gate) from account_actions where scored_customers = 0"
    ) == [(98, "no_scores")]


def test_every_account_gets_exactly_one_action(causalyn_db: Path) -> None:
    assert query(
        causalyn_db, "select count(*), count(distinct account_id), count(action) from account_actions"
    ) == [(2_500, 2_500, 2_500)]
    funnel = query(causalyn_db, "select sum(accounts) from policy_funnel")
    assert funnel == [(2_500,)]
