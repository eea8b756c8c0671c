"""Scale benchmark of the whole pipeline: `earmark bench --scales 1 10 40`.

For each scale the benchmark simulates a world, then builds it with dbt one stage at a time, each stage
in its own process, so that every stage has its own wall time and peak memory (the resident-set
high-water mark `os.wait4` reports for the stage process, which on Linux also covers the descendants it
waited for; see `LAUNCHER` for why the process is started from a small launcher). The stages follow the
project's layers (`STAGES`; identity resolution goes with cleaning, which needs it); every dbt node
(model, seed, data test, unit test, exposure) is assigned to the stage of its folder and then moved to
the latest stage of any of its parents, so no stage needs a table a later stage builds (the `customers`
mart, for instance, joins segmentation output and so runs with segmentation). The union of the stages
must be exactly the node set of a plain `dbt build`; that is checked against `dbt ls` before anything
runs and against every stage's run_results.json afterwards. The last stage extracts the report site's
sources with Evidence, in a private copy of the Evidence project under the work dir.

Two baselines put the dbt time of the feature stage in perspective, on the same raw files and in the same
process as the report:

- the floor, `RFM_FLOOR_SQL`: one hand-written DuckDB query from the raw Parquet files to the RFM table
  of `int_customer_rfm_scored` (cleaning rules, identity at the time of the sale, sales features, as-of
  date and quantile scores), which is as fast as this computation gets on DuckDB;
- `rfm_pandas`: the same table the way an analyst would write it in pandas, without DuckDB.

Both must equal the dbt table (same customers, equal integer columns and codes, monetary within 1e-6; in
practice they are bit-identical); the benchmark fails otherwise, so the comparison is of equal work.

The uplift stage has its own peer (`earmark.bench.uplift_stage`): Earmark's fit of the stage's training
rows against a plain T-learner of the field (scikit-uplift's `TwoModels` in the bench environment) on the
same rows and trees, both timed in this process as the best of three runs.

dbt's fixed cost per invocation (start-up, project parse, the on-run-start contract check) is reported per
stage as the wall time not spent in nodes, and per scale as the time of a build that selects nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from earmark.bench.baselines import (
    BASELINE_RUNS,
    best_of,
    compare_rfm,
    measure_in_process,
    read_dbt_rfm,
    rfm_floor,
    rfm_pandas,
)
from earmark.bench.measure import (
    DbtContext,
    Measured,
    check_coverage,
    check_selection,
    log_tail,
    run_measured,
)
from earmark.bench.stages import (
    DBT_STAGES,
    FEATURE_STAGES,
    RFM_MODEL,
    StageAssignment,
    assign_stages,
    lineage,
    selectors,
)
from earmark.bench.uplift_stage import uplift_baselines
from earmark.simulate.new_day import split_last_day

# the model whose node fits the uplift learners (earmark.dbt.uplift_scores.campaign_fits)
UPLIFT_FIT_MODEL = "model.earmark.int_uplift_learner_scores"

# --------------------------------------------------------------------------------------------------
# One scale


def _dbt_stage_figures(run_results: Mapping[str, Any]) -> dict[str, Any]:
    results = run_results["results"]
    hooks = [r for r in results if r["unique_id"].startswith("operation.")]
    nodes = [r for r in results if not r["unique_id"].startswith("operation.")]
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass", "no-op")]
    if failed:
        raise RuntimeError(f"dbt nodes did not pass: {failed[:10]}")
    return {
        "nodes": len(nodes),
        "node_seconds": sum(r["execution_time"] for r in nodes),
        "hook_seconds": sum(r["execution_time"] for r in hooks),
        "dbt_elapsed": run_results["elapsed_time"],
        "executed": [r["unique_id"] for r in nodes],
        "timings": {r["unique_id"]: r["execution_time"] for r in nodes},
    }


def _parquet_rows(path: Path) -> int:
    return pq.read_metadata(path).num_rows if path.exists() else 0


def _copy_evidence_project(reports: Path, into: Path) -> None:
    """A private copy of the Evidence project (config, settings, source queries; node_modules linked), so
    extracting sources writes into the benchmark's work dir and not into reports/.evidence, which a
    concurrent `make report` may be building from."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    for name in ("evidence.config.yaml", "evidence.settings.json", "package.json"):
        shutil.copy2(reports / name, into / name)
    shutil.copytree(reports / "sources", into / "sources")
    shutil.copytree(reports / "pages", into / "pages")
    (into / "node_modules").symlink_to((reports / "node_modules").resolve())


def _source_marts(sources: Path) -> list[str]:
    marts: set[str] = set()
    for path in sources.glob("*/*.sql"):
        marts.update(re.findall(r"\bfrom\s+main\.(\w+)", path.read_text(), flags=re.IGNORECASE))
    return sorted(marts)


def _failure(done: Measured, log_file: Path) -> dict[str, Any]:
    """A failed stage's figures: its exit code (-9: killed, as by the kernel when memory runs out), time,
    memory, and the node it had started last."""
    started = [line for line in log_file.read_text(errors="replace").splitlines() if " START " in line]
    return {
        "returncode": done.returncode,
        "seconds": done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "tree_peak_mb": done.tree_peak_mb,
        "last_started": started[-1].split(" START ", 1)[1].split(" ..")[0].strip() if started else "",
    }


def bench_scale(
    scale: float,
    work: Path,
    project: Path,
    assignment: StageAssignment,
    manifest: Mapping[str, Any],
    seed: int = 42,
    progress: Callable[[str], None] = print,
    baselines: bool = True,
) -> dict[str, Any]:
    """Simulate and build one scale stage by stage, run the feature baselines, and return every figure
    (stages, start-up, row counts, baselines) as plain data. With baselines False the scale runs its
    stages only: no baselines and no incremental build (their repeated runs cost more than the stages)."""
    load_before = os.getloadavg()[0]
    scale_dir = work / f"scale-{scale:g}"
    if scale_dir.exists():
        shutil.rmtree(scale_dir)
    scale_dir.mkdir(parents=True)
    # The stages build the simulated world without its last day (raw); the incremental build then adds
    # that day (after) on top of their warehouse.
    simulated, raw, after = scale_dir / "simulated", scale_dir / "raw", scale_dir / "after"
    context = DbtContext(
        project,
        raw,
        scale_dir / "earmark.duckdb",
        scale_dir / "dbt_target",
        scale_dir / "dbt_logs",
        model_cache=scale_dir / "model_cache",
    )
    stages: dict[str, dict[str, Any]] = {}

    def note(stage: str, figures: dict[str, Any]) -> None:
        stages[stage] = figures
        seconds, peak, tree = figures["seconds"], figures["peak_rss_mb"], figures["tree_peak_mb"]
        progress(
            f"  scale {scale:g} {stage}: {seconds:.1f} s, peak RSS {peak:,.0f} MB, processes {tree:,.0f} MB"
        )

    # 1. Simulate.
    simulate = [sys.executable, "-m", "earmark.cli", "simulate", "--out", str(simulated), "--seed", str(seed)]
    done = run_measured([*simulate, "--scale", f"{scale:g}"], scale_dir / "simulate.log", cwd=project)
    if done.returncode != 0:
        raise RuntimeError(f"simulate failed:\n{log_tail(scale_dir / 'simulate.log')}")
    world = json.loads((simulated / "manifest.json").read_text())["row_counts"]
    note(
        "simulate",
        {
            "seconds": done.seconds,
            "peak_rss_mb": done.peak_rss_mb,
            "tree_peak_mb": done.tree_peak_mb,
            "work_seconds": done.seconds,
        },
    )
    day = split_last_day(simulated, raw, after)
    shutil.rmtree(simulated)

    # 2. Parse once for this raw dir (vars and EARMARK_DB are part of what partial parsing compares), so
    # every stage below starts from a partial parse as a user's repeated invocations do; then time a build
    # that selects nothing: dbt's fixed start-up without any node or hook.
    context.run("parse", log_name="parse")
    startup = context.run("build", "--select", "fqn:earmark.bench_selects_nothing", log_name="startup")

    result = {
        "scale": scale,
        "world": world,
        "stages": stages,
        "startup_seconds": startup.seconds,
        "bumped": {uid: list(pair) for uid, pair in assignment.bumped.items()},
    }

    # 3. The dbt stages.
    executed: dict[str, list[str]] = {}
    timings: dict[str, float] = {}
    for stage in DBT_STAGES:
        nodes = assignment.nodes_of(stage.name)
        selection = ["--select", *selectors(assignment, nodes), "--indirect-selection", "cautious"]
        done = context.run("build", *selection, log_name=stage.name, check=False)
        if done.returncode != 0:
            # a stage that fails (an error, or killed for memory at a large scale) ends this scale: the
            # report gives what ran, and where and how it stopped
            stages[stage.name] = {"failed": _failure(done, context.log_file(stage.name))}
            progress(f"  scale {scale:g} {stage.name}: failed ({done.returncode}) after {done.seconds:.1f} s")
            return {**result, "load_average": [load_before, os.getloadavg()[0]], "failed": stage.name}
        run_results = json.loads((context.target / "run_results.json").read_text())
        shutil.copy2(context.target / "run_results.json", scale_dir / f"run_results_{stage.name}.json")
        figures = _dbt_stage_figures(run_results)
        executed[stage.name] = figures.pop("executed")
        timings.update(figures.pop("timings"))
        figures.update(
            seconds=done.seconds,
            peak_rss_mb=done.peak_rss_mb,
            tree_peak_mb=done.tree_peak_mb,
            work_seconds=figures["node_seconds"] + figures["hook_seconds"],
            overhead_seconds=done.seconds - figures["node_seconds"] - figures["hook_seconds"],
        )
        note(stage.name, figures)
    check_coverage(assignment, executed)

    # 4. Row counts of the inputs each stage works from.
    lines = _parquet_rows(raw / "transactions.parquet") + _parquet_rows(raw / "activity.parquet")
    reports = project / "reports"
    marts = _source_marts(reports / "sources") if (reports / "sources").is_dir() else []
    with duckdb.connect(str(context.db), read_only=True) as con:
        customers = con.sql("select count(*) from intermediate.int_customer_features").fetchall()[0][0]
        mart_rows = sum(con.sql(f"select count(*) from main.{mart}").fetchall()[0][0] for mart in marts)
    rows = {
        "simulate": world.get("transactions", 0) + world.get("activity", 0),
        "staging_cleaning": lines,
        "features": lines,
        "customer_value": customers,
        "segmentation": customers,
        "uplift": _parquet_rows(raw / "treatments.parquet"),
        "churn": _parquet_rows(raw / "treatments.parquet"),
        "policy": _parquet_rows(raw / "accounts.parquet"),
        "report_sources": mart_rows,
        "report_site": _parquet_rows(raw / "accounts.parquet"),
    }

    # 5. The report sources, then the site, from a private copy of the Evidence project.
    npx = shutil.which("npx")
    if npx is None or not (reports / "node_modules").is_dir():
        reason = "npx not found" if npx is None else "reports/node_modules missing (npm install in reports/)"
        for stage in ("report_sources", "report_site"):
            stages[stage] = {"skipped": reason}
            progress(f"  scale {scale:g} {stage}: skipped ({reason})")
    else:
        evidence = scale_dir / "evidence"
        _copy_evidence_project(reports, evidence)
        filename = os.path.relpath(context.db, evidence / "sources" / "earmark")
        env = {**os.environ, "EVIDENCE_SOURCE__earmark__filename": filename}
        for stage, command in (
            ("report_sources", [npx, "evidence", "sources", "--strict"]),
            ("report_site", [npx, "evidence", "build:strict"]),
        ):
            log_file = scale_dir / f"{stage}.log"
            done = run_measured(command, log_file, env=env, cwd=evidence)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(command[1:])} failed:\n{log_tail(log_file)}")
            figures = {
                "seconds": done.seconds,
                "peak_rss_mb": done.peak_rss_mb,
                "tree_peak_mb": done.tree_peak_mb,
                "work_seconds": done.seconds,
            }
            note(stage, figures)

    for stage, count in rows.items():
        if stage in stages:
            stages[stage]["rows"] = count
    if not baselines:
        progress(f"  scale {scale:g}: stages only, no baselines or incremental build")
        return {**result, "load_average": [load_before, os.getloadavg()[0]]}

    # 6. The feature baselines, on the same raw files, checked against the dbt table.
    progress(f"  scale {scale:g} baselines: floor query, pandas")
    seeds = project / "seeds"
    dbt_rfm = read_dbt_rfm(context.db)
    floor, floor_figures = measure_in_process("floor", lambda: rfm_floor(raw, seeds))
    floor_figures["rows"] = compare_rfm(dbt_rfm, floor, "floor query")
    del floor
    panda, pandas_figures = measure_in_process("pandas", lambda: rfm_pandas(raw, seeds))
    pandas_figures["rows"] = compare_rfm(dbt_rfm, panda, "pandas")
    del panda
    rfm_lineage = lineage(manifest, RFM_MODEL)
    lineage_runs = _rfm_lineage_runs(context, rfm_lineage, scale_dir, progress)
    # the uplift stage's fit against a plain T-learner of the field, on the rows the stage fitted
    progress(f"  scale {scale:g} baselines: the uplift fit and a plain T-learner")
    uplift = uplift_baselines(context.db)
    uplift["stage_seconds"] = stages["uplift"]["seconds"]
    uplift["fit_node_seconds"] = timings.get(UPLIFT_FIT_MODEL, float("nan"))

    # 7. The incremental build: the last day appended, one dbt build on top of the stages' warehouse.
    days = ", ".join(sorted(set(day.last_day.values())))
    progress(f"  scale {scale:g} incremental: {sum(day.rows_appended.values()):,} lines of {days} appended")
    incremental = dataclasses.replace(context, raw_dir=after)
    done = incremental.run("build", log_name="incremental")
    shutil.copy2(context.target / "run_results.json", scale_dir / "run_results_incremental.json")
    figures = _dbt_stage_figures(json.loads((context.target / "run_results.json").read_text()))
    incremental_figures = {
        "seconds": done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "tree_peak_mb": done.tree_peak_mb,
        "node_seconds": figures["node_seconds"],
        "nodes": figures["nodes"],
        "rows_appended": day.rows_appended,
        "last_day": day.last_day,
        "full_build_seconds": sum(stages[stage.name]["seconds"] for stage in DBT_STAGES),
        "slowest": sorted(figures["timings"].items(), key=lambda item: -item[1])[:4],
    }
    progress(f"  scale {scale:g} incremental: {done.seconds:.1f} s, peak RSS {done.peak_rss_mb:,.0f} MB")
    return {
        **result,
        "load_average": [load_before, os.getloadavg()[0]],
        "incremental": incremental_figures,
        "baselines": {
            "floor": floor_figures,
            "pandas": pandas_figures,
            "dbt_rfm_rows": len(dbt_rfm),
            "dbt_feature_stages_seconds": sum(stages[name]["seconds"] for name in FEATURE_STAGES),
            "dbt_rfm_lineage_cold_seconds": sum(timings.get(uid, 0.0) for uid in rfm_lineage),
            **{f"dbt_rfm_lineage_{key}": value for key, value in best_of(lineage_runs).items()},
            "dbt_rfm_lineage_nodes": len(rfm_lineage),
        },
        "uplift_baselines": uplift,
    }


def _rfm_lineage_runs(
    context: DbtContext, rfm_lineage: set[str], scale_dir: Path, progress: Callable[[str], None]
) -> list[float]:
    """The node time of the RFM lineage (its models and seeds) rebuilt from scratch BASELINE_RUNS times,
    warm, on a copy of the stages' warehouse: `--full-refresh`, so the incremental cleaning models redo a
    first build's work rather than append nothing. The stages' own build of it is the cold run."""
    copy = dataclasses.replace(context, db=scale_dir / "rfm_lineage.duckdb")
    shutil.copy2(context.db, copy.db)
    name = RFM_MODEL.split(".")[-1]
    runs = []
    try:
        for run in range(1, BASELINE_RUNS + 1):
            progress(f"  RFM lineage, warm run {run} of {BASELINE_RUNS}")
            copy.run(
                "build",
                "--full-refresh",
                "--select",
                f"+{name}",
                "--resource-type",
                "model",
                "--resource-type",
                "seed",
                log_name=f"rfm_lineage_{run}",
            )
            done = json.loads((copy.target / "run_results.json").read_text())["results"]
            runs.append(sum(r["execution_time"] for r in done if r["unique_id"] in rfm_lineage))
    finally:
        copy.db.unlink(missing_ok=True)
    return runs


def run_bench(
    scales: Sequence[float],
    work: Path,
    project: Path,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
    baselines_up_to: float | None = None,
    command: str = "",
) -> list[dict[str, Any]]:
    """Parse the project, assign and check the stages, then benchmark every scale, smallest first; the
    baselines and the incremental build only up to baselines_up_to (every scale when None)."""
    progress = progress or (lambda message: print(message, file=sys.stderr, flush=True))
    project, work = project.resolve(), work.resolve()
    if work == project or project in work.parents:
        raise ValueError(
            f"{work}: the benchmark deletes and rewrites its work dir; use one outside the project"
        )
    work.mkdir(parents=True, exist_ok=True)
    context = DbtContext(
        project, project / "data" / "demo", work / "check.duckdb", work / "dbt_target", work / "dbt_logs"
    )
    context.run("parse", log_name="parse")
    manifest = context.manifest()
    assignment = assign_stages(manifest)
    progress(f"checking the stage selections with dbt ls ({len(assignment.stage_of)} nodes)")
    check_selection(context, assignment)
    results = []
    for scale in sorted(scales):
        progress(f"scale {scale:g}")
        with_baselines = baselines_up_to is None or scale <= baselines_up_to
        result = bench_scale(
            scale, work, project, assignment, manifest, seed=seed, progress=progress, baselines=with_baselines
        )
        result["command"] = command
        result["duckdb_memory"] = os.environ.get("EARMARK_DUCKDB_MEMORY") or "80% (DuckDB's default)"
        (work / f"scale-{scale:g}" / "bench.json").write_text(json.dumps(result, indent=1, default=str))
        results.append(result)
    return results


def load_results(scales: Sequence[float], work: Path) -> list[dict[str, Any]]:
    """The figures run_bench left for each scale (scale-S/bench.json under work), smallest scale first."""
    results = []
    for scale in sorted(scales):
        path = work / f"scale-{scale:g}" / "bench.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no figures for scale {scale:g}; run earmark bench for it first")
        results.append(json.loads(path.read_text()))
    return results
