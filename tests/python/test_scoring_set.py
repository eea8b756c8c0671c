"""The scoring set: today's customers with the training set's covariates, from the same definition."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import query, run_dbt

from earmark.simulate import simulate_world

pytestmark = pytest.mark.integration

SEED = 7
SCALE = 0.1
COVARIATES = (
    "pre_recency_days, pre_frequency, pre_monetary, pre_spend_30_days, pre_active_days_30, pre_actions, "
    "pre_intensity, pre_activity_momentum, pre_tenure_days, is_admin, pre_last_purchase_at, "
    "pre_last_active_date"
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime]:
    """A small demo world built up to both sets, with the as-of date set to the latest campaign's day (the
    reference is never earlier than that), so the scoring set is measured at the very time that campaign
    reached its customers."""
    work = tmp_path_factory.mktemp("scoring")
    raw = work / "raw"
    simulate_world(raw, seed=SEED, scale=SCALE)
    treated_at = pc.max(pq.read_table(raw / "treatments.parquet", columns=["treated_at"])["treated_at"])
    treated_at = treated_at.as_py()
    assert treated_at == datetime(treated_at.year, treated_at.month, treated_at.day)  # a midnight
    db = work / "earmark.duckdb"
    run_dbt(
        raw,
        db,
        "build",
        "--select",
        "resource_type:seed +int_customer_scoring_set +int_campaign_training_set",
        "--indirect-selection",
        "cautious",
        extra_vars=f"as_of_date: '{treated_at.date().isoformat()}'",
    )
    return db, treated_at


def test_one_row_per_current_customer(world: tuple[Path, datetime]) -> None:
    db, treated_at = world
    features = {row[0] for row in query(db, "select customer_id from intermediate.int_customer_features")}
    scored = query(
        db, "select customer_id, reference_at, reference_basis from intermediate.int_customer_scoring_set"
    )
    assert len(scored) == len({row[0] for row in scored}) == len(features) > 0
    assert {row[0] for row in scored} == features
    assert {(row[1], row[2]) for row in scored} == {(treated_at, "as_of_date")}
    never_treated = query(
        db,
        "select count(*) from intermediate.int_customer_scoring_set where customer_id not in "
        "(select customer_id from intermediate.int_campaign_training_set where customer_id is not null)",
    )[0][0]
    assert never_treated > 0  # customers outside the campaign are scored too


def test_covariates_equal_the_training_sets_at_the_same_reference(world: tuple[Path, datetime]) -> None:
    db, _ = world
    training_columns = [row[0] for row in query(db, "describe intermediate.int_campaign_training_set")]
    own = {"customer_id", "reference_at", "reference_basis", *COVARIATES.split(", ")}
    attributes = [
        row[0] for row in query(db, "describe intermediate.int_customer_scoring_set") if row[0] not in own
    ]
    assert attributes and set(attributes) <= set(training_columns)
    shared = f"{COVARIATES}, {', '.join(attributes)}"
    # same names and types: a model fitted on the training set can score the scoring set
    assert query(db, f"describe select {shared} from intermediate.int_customer_scoring_set") == query(
        db, f"describe select {shared} from intermediate.int_campaign_training_set"
    )
    columns = ", ".join(f"{{0}}.{column}" for column in [*COVARIATES.split(", "), *attributes])
    same_time = (
        "from intermediate.int_campaign_training_set as training "
        "inner join intermediate.int_customer_scoring_set as scoring "
        "on training.customer_id = scoring.customer_id and training.treated_at = scoring.reference_at"
    )
    training_rows = query(
        db, f"select training.customer_id, {columns.format('training')} {same_time} order by 1"
    )
    scoring_rows = query(
        db, f"select scoring.customer_id, {columns.format('scoring')} {same_time} order by 1"
    )
    assert len(training_rows) > 100
    assert training_rows == scoring_rows
    # the comparison has teeth: customers with purchases and activity before the reference
    assert sum(1 for row in scoring_rows if row[2] > 0) > 10
    assert sum(1 for row in scoring_rows if row[6] > 0) > 10


def test_the_reference_is_never_before_the_latest_campaign(tmp_path: Path) -> None:
    """An as-of date before the latest campaign (Causalyn's, derived from signups, falls a month before
    its campaign) gives way to that campaign's day, and reference_basis says so."""
    raw = tmp_path / "raw"
    simulate_world(raw, seed=SEED, scale=SCALE)
    latest = pc.max(pq.read_table(raw / "treatments.parquet", columns=["treated_at"])["treated_at"]).as_py()
    db = tmp_path / "earmark.duckdb"
    run_dbt(
        raw,
        db,
        "build",
        "--select",
        "resource_type:seed +int_customer_scoring_set",
        "--indirect-selection",
        "cautious",
        extra_vars="as_of_date: '2025-01-01'",
    )
    rows = query(
        db, "select distinct reference_at, reference_basis from intermediate.int_customer_scoring_set"
    )
    assert rows == [(latest, "latest_treated_at")]
