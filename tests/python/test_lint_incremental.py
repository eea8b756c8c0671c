"""sqlfluff gives the incremental cleaning models the same answer, no violations, whether or not a
warehouse exists: against one holding them, is_incremental() renders their other branch (the
earlier_copies CTE and its join), which `make lint` never sees (it lints against an in-memory warehouse).

The warehouse here is the least that makes cleaning_watermark return a line number: the two models'
tables with one statused line and the fingerprint of today's inputs, and the relations that fingerprint
and the append-only check read. Relation names come from dbt's manifest, the fingerprint from the
compiled models, so neither is copied into this test."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, PROJECT_ROOT

pytestmark = pytest.mark.integration

MODELS = {
    # model: (its line number column, the staging model it statuses)
    "int_transactions_cleaned": ("transaction_line_number", "stg_raw__transactions"),
    "int_activity_cleaned": ("activity_row_number", "stg_raw__activity"),
}
# Further columns the model reads at compile time from the staged lines and from its own table (the
# transactions' check for appended sales that match a built unmatched cancellation), all null here.
STAGED_COLUMNS = {
    "int_transactions_cleaned": (
        "null::varchar as customer_ref, null::varchar as stock_code, null::bigint as quantity, "
        "null::varchar as invoice_ref, null::timestamp as invoiced_at"
    ),
}
BUILT_COLUMNS = {
    "int_transactions_cleaned": "null::varchar as customer_id, null::varchar as line_status",
}
PATHS = [f"models/intermediate/cleaning/{model}.sql" for model in MODELS]
# What the inputs fingerprint reads, with the columns it hashes (left empty: a fingerprint of nothing).
FINGERPRINT_INPUTS = {
    "int_customer_ref_periods": (
        "customer_ref varchar, customer_id varchar, valid_from timestamp, valid_to timestamp"
    ),
    "non_product_stock_codes": "stock_code varchar",
}


def _env(work: Path) -> dict[str, str]:
    # One warehouse path and target path for every call, so they share dbt's partial parse.
    return {
        **os.environ,
        "EARMARK_DB": str(work / "lint.duckdb"),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def _run(work: Path, *command: str) -> subprocess.CompletedProcess:
    """A tool of the venv run from the project with `work`'s warehouse and target paths."""
    tool = [str(BIN / command[0]), *command[1:]]
    return subprocess.run(tool, cwd=PROJECT_ROOT, env=_env(work), capture_output=True, text=True)


def _compile(work: Path) -> dict[str, dict]:
    """dbt compile of the two models; every node of the manifest by name."""
    done = _run(work, "dbt", "compile", "--quiet", "--select", *MODELS)
    assert done.returncode == 0, f"dbt compile failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    return {node["name"]: node for node in manifest["nodes"].values()}


def _lint(work: Path) -> list[str]:
    """sqlfluff's violations on the two models, one line each."""
    done = _run(work, "sqlfluff", "lint", "--format", "json", *PATHS)
    report = next((line for line in done.stdout.splitlines() if line.startswith("[")), None)
    assert report is not None, f"sqlfluff gave no report ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return [
        f"{result['filepath']}:{violation['start_line_no']}:{violation['start_line_pos']} "
        f"{violation['code']} {violation['description']}"
        for result in json.loads(report)
        for violation in result["violations"]
    ]


def _build_minimal_warehouse(work: Path, nodes: dict[str, dict]) -> None:
    with duckdb.connect(str(work / "lint.duckdb")) as con:
        for name in {*FINGERPRINT_INPUTS, *(staged for _, staged in MODELS.values()), *MODELS}:
            schema = nodes[name]["relation_name"].rsplit(".", 1)[0]
            con.execute(f"create schema if not exists {schema}")
        for name, columns in FINGERPRINT_INPUTS.items():
            con.execute(f"create table {nodes[name]['relation_name']} ({columns})")
        for model, (key, staged) in MODELS.items():
            # the fingerprint the model stores on every line, as compiled against this warehouse
            found = re.search(
                r"\((select hash\(.*?\))\) as inputs_fingerprint\s+from statused",
                nodes[model]["compiled_code"],
                re.DOTALL,
            )
            assert found, f"{model}: no inputs_fingerprint in the compiled model"
            staged_columns = f", {STAGED_COLUMNS[model]}" if model in STAGED_COLUMNS else ""
            built_columns = f", {BUILT_COLUMNS[model]}" if model in BUILT_COLUMNS else ""
            con.execute(
                f"create table {nodes[staged]['relation_name']} as select 1::bigint as {key}{staged_columns}"
            )
            con.execute(
                f"create table {nodes[model]['relation_name']} as select 1::bigint as {key}{staged_columns}"
                f"{built_columns}, ({found.group(1)}) as inputs_fingerprint"
            )


def test_incremental_models_lint_the_same_with_and_without_a_warehouse(tmp_path: Path) -> None:
    if not (PROJECT_ROOT / "data" / "demo" / "manifest.json").exists():
        pytest.skip("data/demo is missing: the models render against the demo world (make simulate)")

    nodes = _compile(tmp_path)  # no warehouse yet: the full-build branch
    without_warehouse = _lint(tmp_path)

    _build_minimal_warehouse(tmp_path, nodes)
    nodes = _compile(tmp_path)
    for model in MODELS:
        assert "earlier_copies" in nodes[model]["compiled_code"], (
            f"{model}: the warehouse did not make is_incremental() render the incremental branch"
        )
    with_warehouse = _lint(tmp_path)

    assert without_warehouse == [], "without a warehouse:\n" + "\n".join(without_warehouse)
    assert with_warehouse == [], "against a warehouse holding the models:\n" + "\n".join(with_warehouse)
