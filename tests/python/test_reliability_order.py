"""Decisions do not depend on row order (issue 12, item 3): shuffling the rows of every input file gives
the same marts. Every table of the marts (schema main) and of the intermediate layer, where the Python
models write, is compared by content, ignoring the order of its rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import run_dbt

from earmark.simulate import simulate_world

pytestmark = pytest.mark.integration

SEED = 7
SCALE = 0.1

# Columns that are a raw row position by design, and ids built from one. They number the rows as the
# input file has them (so a reader can go back to the line), hence change, and only change, when the
# file's rows move. Every other column of every table must be identical.
POSITION_COLUMNS = {
    # the customer row's line in customers.parquet
    "main.customer_id_map": ["customer_row_number"],
    "intermediate.int_customer_records_keyed": ["customer_row_number"],
    # the line of transactions.parquet and activity.parquet a cleaned row came from
    "intermediate.int_transactions_cleaned": ["transaction_line_number"],
    "intermediate.int_activity_cleaned": ["activity_row_number"],
    # the treatment row's line in treatments.parquet, and the out-of-fold score id made from it
    # ('<treatment_row_number>:<arm>'; current scores' ids are 'current:<campaign>:<customer>:<arm>')
    "intermediate.int_campaign_training_set": ["treatment_row_number"],
    "intermediate.int_assignment_nudge_audience": ["treatment_row_number"],
    "intermediate.int_churn_out_of_fold": ["treatment_row_number"],
    "intermediate.int_uplift_learner_scores": ["treatment_row_number", "customer_arm_score_id"],
    "intermediate.int_customer_arm_uplift": ["treatment_row_number", "customer_arm_score_id"],
    "main.customer_uplift_scores": ["treatment_row_number", "customer_arm_score_id"],
}
COMPARED_SCHEMAS = ("main", "intermediate")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small demo world built once as written and once with the rows of every input file shuffled,
    both from the same raw_dir path (run_parameters records it), with no model cache."""
    work = tmp_path_factory.mktemp("order")
    raw, shuffled, raw_dir = work / "raw", work / "shuffled", work / "input"
    simulate_world(raw, seed=SEED, scale=SCALE)
    shuffled.mkdir()
    rng = np.random.default_rng(1)
    for path in sorted(raw.glob("*.parquet")):
        table = pq.read_table(path)
        pq.write_table(table.take(rng.permutation(table.num_rows)), shuffled / path.name)
    built = {}
    for name, files in (("input_order", raw), ("shuffled", shuffled)):
        shutil.rmtree(raw_dir, ignore_errors=True)
        shutil.copytree(files, raw_dir)
        built[name] = work / name / "earmark.duckdb"
        run_dbt(raw_dir, built[name], extra_vars="python_model_cache_dir: null")
    return {"raw_files": raw, "shuffled_files": shuffled, **built}


def test_every_input_file_was_shuffled(builds: dict[str, Path]) -> None:
    for path in sorted(builds["raw_files"].glob("*.parquet")):
        original, shuffled = pq.read_table(path), pq.read_table(builds["shuffled_files"] / path.name)
        assert original.num_rows == shuffled.num_rows, path.name
        if original.num_rows > 2:
            assert not original.equals(shuffled), path.name


def differing_tables(builds: dict[str, Path]) -> tuple[list[str], dict[str, str]]:
    """Every table of the compared schemas ('schema.table'), and those whose rows (without their position
    columns) differ between the two builds, compared as multisets both ways: table -> how many rows differ."""
    con = duckdb.connect()
    con.sql(f"attach '{builds['input_order']}' as input_order (read_only)")
    con.sql(f"attach '{builds['shuffled']}' as shuffled (read_only)")
    schemas = ", ".join(f"'{schema}'" for schema in COMPARED_SCHEMAS)
    listing = (
        "select table_schema || '.' || table_name from information_schema.tables where table_catalog = '{}' "
        # run_status logs each build (its id and times), so it differs by design
        f"and table_schema in ({schemas}) and table_type = 'BASE TABLE' and table_name != 'run_status' "
        "order by all"
    )
    tables = [name for (name,) in con.sql(listing.format("input_order")).fetchall()]
    assert tables == [name for (name,) in con.sql(listing.format("shuffled")).fetchall()]
    differing = {}
    for table in tables:
        schema, name = table.split(".")
        excluded = POSITION_COLUMNS.get(table, [])
        every_column = [
            column
            for (column,) in con.sql(
                "select column_name from information_schema.columns where table_catalog = 'input_order' "
                f"and table_schema = '{schema}' and table_name = '{name}' order by ordinal_position"
            ).fetchall()
        ]
        assert set(excluded) <= set(every_column), table  # an excluded column is gone: update the list
        select = ", ".join(f'"{column}"' for column in every_column if column not in excluded)
        rows = con.sql(f"select count(*) from input_order.{table}").fetchall()[0][0]
        diff = sum(
            con.sql(
                f"select count(*) from (select {select} from {a}.{table} "
                f"except all select {select} from {b}.{table})"
            ).fetchall()[0][0]
            for a, b in (("input_order", "shuffled"), ("shuffled", "input_order"))
        )
        if diff:
            differing[table] = f"{diff} of {rows} rows"
    return tables, differing


def test_every_mart_is_the_same_under_any_row_order(builds: dict[str, Path]) -> None:
    tables, differing = differing_tables(builds)
    marts = {table.removeprefix("main.") for table in tables if table.startswith("main.")}
    python_models = {table for table in tables if table.startswith("intermediate.int_segmentation_")}
    assert len(marts) > 20  # every mart (24 today)
    assert len(python_models) == 7  # every segmentation Python model
    assert {"customers", "segment_summary", "data_quality", "customer_uplift_scores"} <= marts
    assert {"uplift_evaluation", "policy_comparison", "account_actions"} <= marts
    assert set(POSITION_COLUMNS) <= set(tables)
    assert {"intermediate.int_uplift_validation", "intermediate.int_policy_values"} <= set(tables)
    # the uplift bootstrap runs in a stable order (campaign, customer, arm, hashed fold), so the verdict and
    # everything the policy builds on it are order-free too
    assert differing == {}
