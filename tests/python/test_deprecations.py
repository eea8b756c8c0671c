"""The deprecated "user" names keep working for one release (earmark/deprecations.py,
macros/deprecated_var.sql): a var set under its old name decides exactly as under its new one, the run
says which name to use instead, and setting both names to different values stops the build."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import PROJECT_ROOT, run_dbt

from earmark.dbt.model_io import read_parameters
from earmark.deprecations import RENAMED_COLUMNS, RENAMED_MARTS, RENAMED_VARS

MACRO = PROJECT_ROOT / "macros" / "deprecated_var.sql"

# Every model whose SQL reads a renamed var, and int_run_parameters, which the Python models read them from.
READERS = (
    "int_run_parameters",
    "int_account_policy_gates",
    "int_account_uplift_rollup",
    "int_customer_arm_uplift",
    "int_uplift_arm_verdict",
    "int_policy_members",
    "policy_audit",
    "policy_comparison",
)
OLD_VALUES = "cost_per_automated_user: 2.5, toxic_user_share: 0.3, min_account_users: 5"
NEW_VALUES = "cost_per_automated_customer: 2.5, toxic_customer_share: 0.3, min_account_customers: 5"


def macro_mapping() -> dict[str, str]:
    block = re.search(r"macro renamed_vars\(\).*?return\(\{(.*?)\}\)", MACRO.read_text(), flags=re.DOTALL)
    assert block, f"{MACRO}: no renamed_vars() mapping"
    return dict(re.findall(r"'(\w+)':\s*'(\w+)'", block.group(1)))


def mart_models() -> dict[str, dict]:
    models = {}
    for path in (PROJECT_ROOT / "models" / "marts").rglob("_*__models.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            models[model["name"]] = model
    return models


@pytest.mark.unit
def test_the_macro_and_the_package_rename_the_same_vars() -> None:
    assert macro_mapping() == RENAMED_VARS


@pytest.mark.unit
def test_old_names_are_gone_from_the_project_and_new_ones_are_vars() -> None:
    project_vars = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
    assert set(RENAMED_VARS.values()) <= set(project_vars)
    assert not set(RENAMED_VARS) & set(project_vars)


@pytest.mark.unit
def test_python_models_read_an_old_name_under_its_new_one() -> None:
    rows = pd.DataFrame(
        {"parameter_name": ["toxic_user_share", "human_capacity"], "parameter_value": ["0.3", "100"]}
    )
    assert read_parameters(rows) == {"toxic_customer_share": 0.3, "human_capacity": 100}


@pytest.mark.unit
def test_deprecated_marts_and_columns_are_documented_as_such() -> None:
    """Each deprecated mart and column says so in its meta and description, names the replacement the
    package's mapping names, and is tested to equal it."""
    marts = mart_models()
    for old, new in RENAMED_MARTS.items():
        model = marts[old]
        assert model["config"]["meta"] == {"deprecated": True, "replaced_by": new}
        assert "deprecation_date" in model and f"use {new}" in model["description"]
        assert any("same_rows_as" in test for test in model["data_tests"])
    for mart, renamed in RENAMED_COLUMNS.items():
        columns = {column["name"]: column for column in marts[mart]["columns"]}
        for old, new in renamed.items():
            assert new in columns, f"{mart}.{new}"
            column = columns[old]
            assert column["meta"] == {"deprecated": True, "replaced_by": new}, f"{mart}.{old}"
            assert column["description"].startswith(f"Deprecated: use {new}"), f"{mart}.{old}"
            copy_tests = [t["is_copy_of"] for t in column.get("data_tests", []) if "is_copy_of" in t]
            assert copy_tests == [{"arguments": {"column": new}}], f"{mart}.{old}"


def compiled(tmp_path: Path, name: str, extra_vars: str) -> dict[str, str]:
    db = tmp_path / name / "warehouse.duckdb"
    db.parent.mkdir()
    run_dbt(tmp_path, db, "compile", "--select", *READERS, extra_vars=extra_vars)
    out = db.parent / "dbt_target" / "compiled" / "earmark" / "models"
    return {path.stem: path.read_text() for path in out.rglob("*") if path.stem in READERS}


@pytest.mark.integration
def test_old_var_names_compile_to_the_same_models_as_the_new_ones(tmp_path: Path) -> None:
    """Same SQL in every model that reads the vars, so the same decisions; int_run_parameters included,
    so the Python models read the same values too."""
    old = compiled(tmp_path, "old", OLD_VALUES)
    new = compiled(tmp_path, "new", NEW_VALUES)
    default = compiled(tmp_path, "default", "")
    assert set(old) == set(READERS)
    assert old == new
    assert old != default
    assert "'toxic_customer_share' as parameter_name" in old["int_run_parameters"]


@pytest.mark.integration
def test_a_run_setting_an_old_name_is_told_the_new_one(tmp_path: Path) -> None:
    done = run_dbt(
        tmp_path,
        tmp_path / "old.duckdb",
        "build",
        "--select",
        "policy_gates",
        extra_vars="check_raw_contract: false, toxic_user_share: 0.3",
    )
    assert "var toxic_user_share is deprecated: set toxic_customer_share instead" in done.stdout


@pytest.mark.integration
def test_both_names_set_to_different_values_stop_the_build(tmp_path: Path) -> None:
    done = run_dbt(
        tmp_path,
        tmp_path / "both.duckdb",
        "build",
        "--select",
        "policy_gates",
        check=False,
        extra_vars="check_raw_contract: false, toxic_user_share: 0.3, toxic_customer_share: 0.4",
    )
    assert done.returncode != 0
    assert (
        "vars toxic_user_share (deprecated) and toxic_customer_share are both set, to different values"
        in done.stdout
    )
