"""The library benchmark's synthetic campaign and its Earmark side (earmark.bench.uplift_libraries).

These run without EconML, causalml or scikit-uplift, which CI does not install; the library side runs
only in the benchmark command (`make bench-uplift`)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from earmark.bench.uplift_libraries import (
    COLUMNS,
    PLAIN_T,
    UPLIFT_END,
    UPLIFT_START,
    Record,
    bench_folds,
    confounded_campaign,
    format_table,
    naive_difference,
    rewrite_uplift_section,
    run_benchmark,
    run_earmark,
    run_libraries,
    run_plain_t,
    summary_table,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def campaign() -> pd.DataFrame:
    return confounded_campaign(20_000, seed=3)


def test_campaign_is_seeded_and_shaped(campaign):
    again = confounded_campaign(20_000, seed=3)
    pd.testing.assert_frame_equal(campaign, again)
    assert [f"x{j}" for j in range(1, 11)] == [c for c in campaign.columns if c.startswith("x")]
    assert set(campaign["arm"]) == {"control", "treatment"}
    assert campaign["customer_id"].is_unique
    assert 0.01 < campaign["x10"].isna().mean() < 0.03
    assert campaign["true_propensity"].between(0.05, 0.95).all()


def test_confounding_makes_the_naive_difference_wrong(campaign):
    """The truth is a positive average effect; the naive difference says the campaign hurts. Weighting by
    the true propensity recovers the truth, so the frame is what it says it is."""
    truth = campaign["true_uplift"].mean()
    assert 0.04 < truth < 0.09
    naive = naive_difference(campaign)
    assert naive < 0 < truth
    assert truth - naive > 0.1
    treated = (campaign["arm"] == "treatment").to_numpy()
    y = campaign["converted"].to_numpy()
    e = campaign["true_propensity"].to_numpy()
    ipw = np.mean(treated * y / e) - np.mean(~treated * y / (1 - e))
    assert abs(ipw - truth) < 0.02
    # the effect differs between rows (the benchmark's rank correlations mean something)
    assert campaign["true_uplift"].std() > 0.03


def test_folds_are_earmarks_and_stratified(campaign):
    folds = bench_folds(campaign, 5, 42)
    assert set(folds) == set(range(5))
    assert np.bincount(folds).max() - np.bincount(folds).min() <= 1
    shuffled = campaign.sample(frac=1.0, random_state=0)
    again = pd.Series(bench_folds(shuffled, 5, 42), index=shuffled.index).loc[campaign.index]
    assert (again.to_numpy() == folds).all()


@pytest.fixture(scope="module")
def earmark_side():
    frame = confounded_campaign(1500, seed=5)
    records = [run_plain_t(frame, seed=5), *run_earmark(frame, n_folds=3, seed=5)]
    return frame, records


@pytest.mark.integration
def test_earmark_side_of_the_harness(earmark_side):
    frame, records = earmark_side
    table = summary_table(records, frame["true_uplift"].to_numpy(), PLAIN_T)
    assert list(table.columns) == COLUMNS
    # the plain T-learner, then T, X, DR calibrated and not, then Earmark's T alone
    assert len(table) == 1 + 2 * 3 + 1
    assert (table["rows"] == 1500).all()
    baseline = table.loc[table["method"] == PLAIN_T, "seconds"].item()
    assert table.loc[table["method"] == PLAIN_T, "ratio_to_t"].item() == 1.0
    np.testing.assert_allclose(table["ratio_to_t"], table["seconds"] / baseline)
    assert (table["seconds"] > 0).all()
    assert table["rmse"].notna().all() and table["spearman"].between(-1, 1).all()
    np.testing.assert_allclose(table["true_mean"], frame["true_uplift"].mean())
    dr = table[table["method"].str.startswith("Earmark DR")]
    assert len(dr) == 2 and (dr["ate_low"] < dr["ate"]).all() and (dr["ate"] < dr["ate_high"]).all()
    assert table.loc[~table["method"].str.startswith("Earmark DR"), "ate"].isna().all()
    # one fit gives the three learners: they share its time
    calibrated = table[table["method"].str.contains(", calibrated")]
    assert calibrated["seconds"].nunique() == 1


@pytest.mark.integration
def test_summary_table_needs_its_baseline_and_flat_effects(earmark_side):
    frame, records = earmark_side
    truth = frame["true_uplift"].to_numpy()
    with pytest.raises(ValueError, match="no record named"):
        summary_table(records, truth, "causalml BaseTClassifier (T)")
    # a library that returns one column per treatment must be flattened first, or the RMSE broadcasts
    column = Record("column", 1.0, truth.reshape(-1, 1))
    with pytest.raises(ValueError, match="shape"):
        summary_table([*records, column], truth, PLAIN_T)


@pytest.mark.integration
def test_run_without_libraries_and_rewrite_the_doc():
    table, facts = run_benchmark(1200, n_folds=2, seed=1, libraries=False)
    assert table["method"].iloc[0] == PLAIN_T and len(table) == 8
    assert facts["naive_difference"] < facts["true_mean"]
    markdown = format_table(table, facts, markdown=True)
    assert markdown.count("\n| ") == len(table) + 1  # header and one line per method
    text = format_table(table, facts, markdown=False)
    assert "Earmark DR, calibrated" in text
    document = f"intro\n{UPLIFT_START}\nold figures\n{UPLIFT_END}\nafter\n"
    rewritten = rewrite_uplift_section(document, markdown)
    assert "old figures" not in rewritten and markdown in rewritten and rewritten.endswith("after\n")
    with pytest.raises(ValueError, match="markers"):
        rewrite_uplift_section("no markers", markdown)


@pytest.mark.skipif(
    importlib.util.find_spec("econml") is not None, reason="the bench libraries are installed"
)
def test_library_side_says_where_the_libraries_are():
    frame = confounded_campaign(200, seed=1)
    with pytest.raises(ImportError, match="make bench-uplift"):
        run_libraries(frame, bench_folds(frame, 2, 1))


@pytest.mark.integration
def test_command_writes_the_marked_section(tmp_path, capsys):
    from earmark.cli import main

    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n{UPLIFT_START}\nstale figures\n{UPLIFT_END}\n")
    out = tmp_path / "uplift.md"
    args = ["bench-uplift", "--rows", "600", "--folds", "2", "--no-libraries"]
    assert main([*args, "--out", str(out), "--update-doc", str(doc)]) == 0
    text = doc.read_text()
    assert "stale figures" not in text
    assert "`earmark bench-uplift --rows 600 --folds 2 --seed 42 --no-libraries" in text
    assert "cores" in text and "| Earmark DR, uncalibrated (T+X+DR one fit) |" in text
    assert out.read_text().strip() in text
    assert "uplift library section rewritten" in capsys.readouterr().out
