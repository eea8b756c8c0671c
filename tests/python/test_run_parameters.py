"""The run parameters name every var of dbt_project.yml: int_run_parameters lists them by name (dbt's Jinja
cannot enumerate the project's vars), so this test is what keeps that list from drifting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUN_PARAMETERS_SQL = PROJECT_ROOT / "models" / "intermediate" / "run" / "int_run_parameters.sql"

# Vars that are not parameters of the result, and why.
NOT_PARAMETERS = {
    "python_model_cache_dir": "where fitted models are kept between builds; no result depends on it",
}


def project_vars() -> list[str]:
    return list(yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"])


def listed_parameters() -> list[str]:
    block = re.search(r"\{%\s*set names = \[(.*?)\]\s*%\}", RUN_PARAMETERS_SQL.read_text(), flags=re.DOTALL)
    assert block, f"{RUN_PARAMETERS_SQL}: no `set names = [...]` block"
    return re.findall(r"'(\w+)'", block.group(1))


def test_every_var_is_a_run_parameter_in_the_projects_order() -> None:
    expected = [name for name in project_vars() if name not in NOT_PARAMETERS]
    assert listed_parameters() == expected


def test_the_exceptions_are_vars() -> None:
    assert set(NOT_PARAMETERS) <= set(project_vars())


def test_no_policy_threshold_is_written_into_the_sql_as_a_number() -> None:
    """The sure-thing rule reads both its thresholds from vars (one was once a literal 0.02)."""
    sql = (
        PROJECT_ROOT / "models" / "intermediate" / "policy" / "int_customer_policy_exposure.sql"
    ).read_text()
    rule = sql[sql.index("predicted_outcome_if_untreated >=") : sql.index("as is_predicted_sure_thing")]
    assert "var('sure_thing_min_probability')" in rule
    assert "var('sure_thing_max_abs_uplift')" in rule
    assert not re.search(r"[<>]=?\s*\d", rule), rule


@pytest.mark.parametrize("case_study", ["causalyn", "mall_customers", "cdnow"])
def test_case_study_vars_are_project_vars_in_valid_yaml(case_study: str) -> None:
    """A case study's vars file (read by `make results` and its pipeline test) parses as dbt will parse
    it, and sets only vars the project has, so a renamed var cannot be silently ignored."""
    from conftest import case_study_vars

    text = case_study_vars(case_study)
    parsed = yaml.safe_load("{" + text + "}")
    assert parsed and set(parsed) <= set(project_vars()), sorted(set(parsed) - set(project_vars()))
    if case_study == "causalyn":
        assert parsed["value_per_conversion"] == 50.0 and parsed["human_capacity"] is None
    elif case_study == "cdnow":
        # weeks 40-78 of the sample are the holdout: 1998-07-01 minus 273 days is 1997-10-01
        assert parsed["as_of_date"] == "1998-07-01" and parsed["value_holdout_days"] == 273
    else:
        assert parsed["segmentation_features"] == ["age", "annual_income", "spending_score", "spend_ratio"]
