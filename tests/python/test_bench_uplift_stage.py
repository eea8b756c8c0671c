"""The uplift stage's benchmark peer: it fits the rows the stage fits, and each figure is what it says."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from conftest import query, run_dbt

from earmark.bench import report, uplift_stage
from earmark.simulate import simulate_world
from earmark.uplift.learners import make_learner


@pytest.fixture(scope="module")
def uplift_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated world built up to the campaign training set and the run parameters."""
    work = tmp_path_factory.mktemp("bench_uplift")
    simulate_world(work / "raw", seed=42, scale=0.1)
    db = work / "earmark.duckdb"
    run_dbt(
        work / "raw",
        db,
        "build",
        "--select",
        "+int_campaign_training_set",
        "+int_run_parameters",
        "--indirect-selection",
        "cautious",
    )
    return db


@pytest.mark.integration
def test_the_peer_fits_every_row_of_the_campaigns_the_stage_fits(uplift_world: Path) -> None:
    training, params = uplift_stage.read_uplift_inputs(uplift_world)
    designs = uplift_stage.campaign_designs(training, params)
    campaigns = [design["campaign_id"] for design in designs]
    # the demo world has an automated campaign and a human-outreach one, and both are fitted
    assert len(campaigns) == 2
    for design in designs:
        (count,) = query(
            uplift_world,
            "select count(*) from intermediate.int_campaign_training_set "
            f"where campaign_id = '{design['campaign_id']}'",
        )[0]
        assert design["X"].shape[0] == len(design["y"]) == len(design["arm"]) == count
        assert set(np.unique(design["y"])) <= {0.0, 1.0}

    result = uplift_stage.uplift_baselines(uplift_world, runs=2)
    assert result["campaigns"] == campaigns
    assert result["earmark_campaigns"] == 2
    assert result["training_rows"] == sum(len(design["y"]) for design in designs)
    assert result["arm_fits"] == sum(len(set(design["arm"]) - {"control"}) for design in designs)
    expected_peer = (
        uplift_stage.PEER_SKLIFT if importlib.util.find_spec("sklift") else uplift_stage.PEER_SKLEARN
    )
    assert result["peer_name"] == expected_peer
    for side in ("earmark", "peer"):
        figures = result[side]
        assert len(figures["runs_seconds"]) == 2
        assert figures["seconds"] == min(figures["runs_seconds"]) > 0
        assert figures["spread"] >= 1.0
    # cross-fitting three learners costs more than two plain fits
    assert result["earmark"]["seconds"] > result["peer"]["seconds"]


@pytest.mark.integration
def test_the_peer_is_the_plain_two_model_difference(uplift_world: Path) -> None:
    training, params = uplift_stage.read_uplift_inputs(uplift_world)
    design = uplift_stage.campaign_designs(training, params)[0]
    arm = sorted(set(design["arm"]) - {"control"})[0]
    rows = np.isin(design["arm"], [arm, "control"])
    X, y, treated = design["X"][rows], design["y"][rows], design["arm"][rows] == arm
    _, fit = uplift_stage.peer_t_learner(42, "binary")
    effect = uplift_stage.fit_peer([design], fit)[0]
    treated_model = make_learner("hist_gradient_boosting", "binary", 42).fit(X[treated], y[treated])
    control_model = make_learner("hist_gradient_boosting", "binary", 42).fit(X[~treated], y[~treated])
    expected = treated_model.predict_proba(X)[:, 1] - control_model.predict_proba(X)[:, 1]
    np.testing.assert_allclose(effect, expected, rtol=0, atol=1e-12)
    # in sample, the two models reproduce the arms' conversion rates on average
    assert abs(treated_model.predict_proba(X[treated])[:, 1].mean() - y[treated].mean()) < 0.01


@pytest.mark.unit
def test_the_report_gives_the_ratio_to_the_peer() -> None:
    figures = {"runs_seconds": [2.0, 2.5, 3.0], "spread": 1.5, "peak_rss_mb": 500.0, "above_start_mb": 10.0}
    result = {
        "uplift_baselines": {
            "peer_name": uplift_stage.PEER_SKLIFT,
            "campaigns": ["a", "b"],
            "training_rows": 1000,
            "arm_fits": 2,
            "earmark": {**figures, "seconds": 20.0},
            "peer": {**figures, "seconds": 2.0},
            "fit_node_seconds": 25.0,
            "stage_seconds": 40.0,
        }
    }
    rows = report.uplift_rows(result)
    assert [row[-1] for row in rows] == ["1.0", "10.0", "12.5", "20.0"]
    assert rows[1][2] == "2.00, 2.50, 3.00"
    assert report.uplift_rows({"uplift_baselines": {"skipped": "no campaign"}}) == []
