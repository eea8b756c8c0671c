"""The pipeline benchmark's pieces: the RFM baselines equal the dbt model exactly, and the stage
assignment never runs a node before one of its parents."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import PROJECT_ROOT, run_dbt

from earmark.bench import baselines, measure, pipeline, report, stages
from earmark.simulate import simulate_world

pytestmark = pytest.mark.unit

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def rfm_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small simulated world with just the RFM model and its ancestors built, with the tests whose
    parents are all among them (cautious: a relationships test to a seed outside the lineage is left out)."""
    work = tmp_path_factory.mktemp("bench")
    raw = work / "raw"
    simulate_world(raw, seed=42, scale=0.05)
    db = work / "earmark.duckdb"
    run_dbt(raw, db, "build", "--select", "+int_customer_rfm_scored", "--indirect-selection", "cautious")
    return raw, db


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("customer_id").reset_index(drop=True)


@pytest.mark.integration
def test_floor_query_and_pandas_equal_the_dbt_rfm_table_exactly(rfm_world: tuple[Path, Path]) -> None:
    raw, db = rfm_world
    dbt_rfm = _sorted(baselines.read_dbt_rfm(db))
    floor = _sorted(baselines.rfm_floor(raw, SEEDS))
    pandas_rfm = _sorted(baselines.rfm_pandas(raw, SEEDS))
    assert len(dbt_rfm) > 500
    assert dbt_rfm["r_score"].nunique() == dbt_rfm["m_score"].nunique() == 5
    # Exactly: same rows, same types, bit-identical monetary.
    pd.testing.assert_frame_equal(floor, dbt_rfm, check_exact=True)
    pd.testing.assert_frame_equal(pandas_rfm, dbt_rfm, check_exact=True)
    assert baselines.compare_rfm(dbt_rfm, pandas_rfm, "pandas") == len(dbt_rfm)


@pytest.mark.integration
def test_compare_rfm_names_what_differs(rfm_world: tuple[Path, Path]) -> None:
    _, db = rfm_world
    dbt_rfm = baselines.read_dbt_rfm(db)
    changed = dbt_rfm.copy()
    changed.loc[0, "m_score"] = 6 - changed.loc[0, "m_score"] if changed.loc[0, "m_score"] != 3 else 1
    changed.loc[1, "monetary"] += 0.01
    with pytest.raises(AssertionError, match="m_score differs for 1 customers; monetary differs"):
        baselines.compare_rfm(dbt_rfm, changed, "changed")
    with pytest.raises(AssertionError, match="1 customers only in dbt"):
        baselines.compare_rfm(dbt_rfm, dbt_rfm.iloc[1:], "fewer")


@pytest.mark.integration
def test_no_stage_runs_a_node_before_its_parents(rfm_world: tuple[Path, Path]) -> None:
    _, db = rfm_world
    manifest = json.loads((db.parent / "dbt_target" / "manifest.json").read_text())
    assignment = stages.assign_stages(manifest)
    build = stages.build_nodes(manifest)
    assert set(assignment.stage_of) == set(build)  # every node of a plain dbt build, once
    assert {stages.STAGE_INDEX[s] for s in assignment.stage_of.values()} <= {
        stages.STAGE_INDEX[s.name] for s in stages.DBT_STAGES
    }
    for uid, parents in assignment.parents.items():
        for parent in parents:
            assert (
                stages.STAGE_INDEX[assignment.stage_of[uid]]
                >= stages.STAGE_INDEX[assignment.stage_of[parent]]
            ), (
                uid,
                parent,
            )
    # The customers mart joins segmentation output, so it runs with segmentation, not in its folder's stage.
    assert assignment.stage_of["model.earmark.customers"] == "segmentation"
    assert assignment.bumped["model.earmark.customers"] == ("features", "segmentation")
    assert assignment.stage_of["model.earmark.int_transactions_cleaned"] == "staging_cleaning"
    # Unit tests go with their model; a singular test with the latest of what it reads.
    assert (
        assignment.stage_of[
            "unit_test.earmark.int_customer_rfm_scored.rfm_scores_are_quintiles_with_shared_ties"
        ]
        == "features"
    )
    assert assignment.stage_of["test.earmark.assert_injected_defects_recovered"] == "features"
    # The RFM lineage is within the stages the baselines are compared with.
    lineage = stages.lineage(manifest, stages.RFM_MODEL)
    assert {assignment.stage_of[uid] for uid in lineage} <= set(stages.FEATURE_STAGES)


def _node(uid: str, path: str, parents: list[str]) -> dict:
    kind = uid.split(".")[0]
    return {
        "resource_type": kind,
        "original_file_path": path,
        "depends_on": {"nodes": parents},
        "fqn": ["p", *uid.split(".")[2:]],
        "config": {"enabled": True},
    }


def test_assignment_moves_nodes_after_their_latest_parent_transitively() -> None:
    nodes = {
        "seed.p.rules": _node("seed.p.rules", "seeds/rules.csv", []),
        "model.p.stg": _node("model.p.stg", "models/staging/raw/stg.sql", ["source.p.raw.t"]),
        "model.p.policy_gate": _node(
            "model.p.policy_gate", "models/intermediate/policy/g.sql", ["model.p.stg"]
        ),
        # a staging-folder model reading a policy model, and a feature model reading that one
        "model.p.late_view": _node(
            "model.p.late_view", "models/staging/raw/late.sql", ["model.p.policy_gate"]
        ),
        "model.p.feature": _node(
            "model.p.feature", "models/intermediate/features/f.sql", ["model.p.late_view"]
        ),
        "test.p.two_parents": _node("test.p.two_parents", "models/x.yml", ["model.p.stg", "model.p.feature"]),
        "test.p.on_source_only": _node("test.p.on_source_only", "models/x.yml", ["source.p.raw.t"]),
    }
    manifest = {
        "nodes": nodes,
        "unit_tests": {
            "unit_test.p.stg.case": _node("unit_test.p.stg.case", "models/x.yml", ["model.p.stg"])
        },
        "exposures": {"exposure.p.page": _node("exposure.p.page", "models/e.yml", ["model.p.feature"])},
    }
    assignment = stages.assign_stages(manifest)
    assert assignment.stage_of == {
        "seed.p.rules": "staging_cleaning",
        "model.p.stg": "staging_cleaning",
        "model.p.policy_gate": "policy",
        "model.p.late_view": "policy",
        "model.p.feature": "policy",
        "test.p.two_parents": "policy",
        "test.p.on_source_only": "staging_cleaning",
        "unit_test.p.stg.case": "staging_cleaning",
        "exposure.p.page": "policy",
    }
    assert assignment.bumped == {
        "model.p.late_view": ("staging_cleaning", "policy"),
        "model.p.feature": ("features", "policy"),
    }
    assert stages.selectors(assignment, ["model.p.stg", "exposure.p.page"]) == [
        "exposure:page",
        "fqn:p.stg",
    ]
    nodes["model.p.elsewhere"] = _node("model.p.elsewhere", "models/unknown/m.sql", [])
    with pytest.raises(ValueError, match="no benchmark stage covers"):
        stages.assign_stages(manifest)


def test_rewrite_section_replaces_only_between_the_markers() -> None:
    start, end = report.BENCH_START, report.BENCH_END
    document = f"# Benchmarks\n\n## Whole\n\n{start}\nold\n{end}\n\n## Next\nkept\n"
    rewritten = report.rewrite_section(document, "new table\n")
    assert rewritten == f"# Benchmarks\n\n## Whole\n\n{start}\nnew table\n{end}\n\n## Next\nkept\n"
    assert report.rewrite_section(rewritten, "new table") == rewritten
    with pytest.raises(ValueError, match="markers"):
        report.rewrite_section("# no markers\n", "x")


def test_the_baseline_table_gives_each_run_and_the_ratio_to_the_floor() -> None:
    timed = {"runs_seconds": [2.0, 2.5, 3.0], "spread": 1.5, "peak_rss_mb": 500.0, "above_start_mb": 10.0}
    base = {
        "floor": {**timed, "seconds": 2.0, "rows": 1234},
        "pandas": {**timed, "seconds": 5.0, "rows": 1234},
        "dbt_rfm_lineage_nodes": 12,
        "dbt_feature_stages_seconds": 30.0,
        "dbt_rfm_rows": 1234,
        "dbt_rfm_lineage_cold_seconds": 9.0,
        "dbt_rfm_lineage_seconds": 8.0,
        "dbt_rfm_lineage_runs_seconds": [8.0, 8.5, 9.0],
        "dbt_rfm_lineage_spread": 1.12,
    }
    rows = report.baseline_rows({"baselines": base})
    floor = ["floor: one DuckDB query", "2.00", "2.00, 2.50, 3.00", "1.50", "500", "10", "1,234", "1.0"]
    assert rows[0] == floor
    assert rows[1][0] == "pandas" and rows[1][-1] == "2.5"
    assert [row[-1] for row in rows[2:]] == ["15.0", "4.5", "4.0"]
    assert rows[4][2:4] == ["8.00, 8.50, 9.00", "1.12"]
    assert all(len(row) == len(report.BASELINE_HEADER) for row in rows)


def _stages_only_result(scale: float, factor: float) -> dict:
    """A scale's figures as bench_scale returns them with baselines=False: every stage, rows and seconds
    growing by factor, and no baselines or incremental build."""
    figures = {}
    for stage in stages.STAGES:
        seconds = 10.0 * factor
        figures[stage.name] = {
            "seconds": seconds,
            "work_seconds": seconds - 2.0,
            "peak_rss_mb": 100.0 * factor,
            "tree_peak_mb": 120.0 * factor,
            "rows": int(1000 * factor),
        }
    return {
        "scale": scale,
        "world": {"customers": int(100 * factor)},
        "stages": figures,
        "startup_seconds": 2.0,
        "bumped": {},
        "load_average": [0.5, 0.5],
    }


def test_a_stages_only_scale_is_reported_without_baselines_and_joins_the_growth_table() -> None:
    small, large = _stages_only_result(1, 1.0), _stages_only_result(100, 100.0)
    text = report.format_report([small, large], "earmark bench", markdown=True)
    assert text.count("Stages only at this scale") == 2
    assert "RFM table computed by" not in text and "Incremental build" not in text
    assert "### Cost growth from scale 1 to scale 100" in text
    growth = report.growth_rows([small, large])
    names = [stage.name for stage in stages.STAGES]
    assert [row[0] for row in growth] == [*names, "end to end (per raw line)"]
    # work seconds 8 -> 998 over 100x the rows: b = log(998 / 8) / log(100)
    assert {row[5] for row in growth[:-1]} == {"1.05"}
    assert all(row[1] == "100.0" for row in growth)


def test_a_failed_scale_shows_where_it_stopped_and_stays_out_of_the_growth_table() -> None:
    small, large, failed = (_stages_only_result(s, s) for s in (1.0, 10.0, 100.0))
    names = [stage.name for stage in stages.STAGES]
    # killed in the third stage: the first two ran, the rest never started
    failed["stages"] = {name: failed["stages"][name] for name in names[:2]}
    failed["stages"][names[2]] = {
        "failed": {
            "returncode": -9,
            "seconds": 300.0,
            "peak_rss_mb": 16000.0,
            "tree_peak_mb": 16500.0,
            "last_started": "sql incremental model intermediate.int_transactions_cleaned",
        }
    }
    failed["failed"] = names[2]
    rows = report.stage_rows(failed)
    assert rows[2][:4] == [f"{names[2]} (failed)", "300.0", "16,000", "16,500"]
    assert all(row[1] == "skipped: not run" for row in rows[3:-1])
    # the end to end row adds what ran until the failure: 1,000 + 1,000 + 300 seconds
    assert rows[-1][:3] == ["end to end (until the failure)", "2300.0", "16,000"]
    text = report.format_report([small, large, failed], "earmark bench", markdown=True)
    assert f"Stopped: stage {names[2]} failed, killed by signal 9" in text
    assert "while building sql incremental model intermediate.int_transactions_cleaned" in text
    assert "### Cost growth from scale 1 to scale 10\n" in text


def test_a_failed_stage_names_the_node_it_had_started(tmp_path: Path) -> None:
    log = tmp_path / "staging_cleaning.log"
    log.write_text(
        "06:00:01  62 of 71 START sql incremental model intermediate.int_activity_cleaned ...... [RUN]\n"
        "06:01:08  62 of 71 OK created sql incremental model intermediate.int_activity_cleaned .. [OK]\n"
        "06:01:08  63 of 71 START sql incremental model intermediate.int_transactions_cleaned ..... [RUN]\n"
    )
    failure = pipeline._failure(measure.Measured(300.0, 16000.0, -9, 16500.0), log)
    assert failure == {
        "returncode": -9,
        "seconds": 300.0,
        "peak_rss_mb": 16000.0,
        "tree_peak_mb": 16500.0,
        "last_started": "sql incremental model intermediate.int_transactions_cleaned",
    }


def test_load_results_reads_each_scales_figures_smallest_first(tmp_path: Path) -> None:
    for scale in (10.0, 1.0):
        folder = tmp_path / f"scale-{scale:g}"
        folder.mkdir()
        result = {
            **_stages_only_result(scale, scale),
            "command": f"earmark bench --scales {scale:g}",
            "duckdb_memory": "50%",
        }
        (folder / "bench.json").write_text(json.dumps(result))
    loaded = pipeline.load_results([10.0, 1.0], tmp_path)
    assert [result["scale"] for result in loaded] == [1.0, 10.0]
    text = report.format_report(loaded, "earmark bench --report-only", markdown=True)
    cap = "DuckDB's memory cap (`EARMARK_DUCKDB_MEMORY`): 50%."
    assert f"Measured by `earmark bench --scales 10`. {cap}" in text
    with pytest.raises(FileNotFoundError, match="no figures for scale 40"):
        pipeline.load_results([40.0], tmp_path)


def test_run_measured_reports_the_child_not_the_parent(tmp_path: Path) -> None:
    import sys

    ballast = bytearray(300 * 2**20)  # the parent holds 300 MB; the child must not be charged for it
    done = measure.run_measured(
        [sys.executable, "-c", "import sys; b = bytearray(100 * 2**20); sys.exit(3)"], tmp_path / "child.log"
    )
    assert done.returncode == 3
    assert 100 <= done.peak_rss_mb < 200
    assert len(ballast) > 0


def test_run_measured_sums_the_processes_alive_at_once(tmp_path: Path) -> None:
    import sys

    # the command holds 100 MB while its child holds 150 MB: the largest single process is about 150 MB,
    # the two together about 250 MB
    child = "import time; b = b'x' * (150 * 2**20); time.sleep(1.5)"
    parent = (
        f"import subprocess, sys; b = b'x' * (100 * 2**20); subprocess.run([sys.executable, '-c', {child!r}])"
    )
    done = measure.run_measured([sys.executable, "-c", parent], tmp_path / "tree.log")
    assert done.returncode == 0
    assert 150 <= done.peak_rss_mb < 240
    assert 250 <= done.tree_peak_mb < 320
