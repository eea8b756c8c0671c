"""The benchmark's report: tables of stages, baselines and growth, the machine, and the doc section it
rewrites."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

from earmark.bench.stages import FEATURE_STAGES, STAGES

# --------------------------------------------------------------------------------------------------
# Reports


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """A table as Markdown or as aligned text (first column left, the others right)."""
    if markdown:
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        return "  ".join([first, *(f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True))])

    return "\n".join([line(header), *(line(row) for row in rows)])


def _n(value: float) -> str:
    return f"{value:,.0f}"


def stage_rows(result: Mapping[str, Any]) -> list[list[str]]:
    """The rows of one scale's stage table, the end-to-end total (and peak) last."""
    rows = []
    total_seconds = total_peak = total_tree = 0.0
    for stage in STAGES:
        figures = result["stages"].get(stage.name, {"skipped": "not run"})
        if "skipped" in figures:
            rows.append([stage.name, "skipped: " + figures["skipped"], *[""] * (len(STAGE_HEADER) - 2)])
            continue
        if "failed" in figures:
            failed = figures["failed"]
            total_seconds += failed["seconds"]
            total_peak = max(total_peak, failed["peak_rss_mb"])
            total_tree = max(total_tree, failed["tree_peak_mb"])
            rows.append(
                [
                    f"{stage.name} (failed)",
                    f"{failed['seconds']:.1f}",
                    _n(failed["peak_rss_mb"]),
                    _n(failed["tree_peak_mb"]),
                    *[""] * (len(STAGE_HEADER) - 4),
                ]
            )
            continue
        total_seconds += figures["seconds"]
        total_peak = max(total_peak, figures["peak_rss_mb"])
        total_tree = max(total_tree, figures.get("tree_peak_mb", 0.0))
        rows_in = figures.get("rows", 0)
        dbt = "node_seconds" in figures
        rows.append(
            [
                stage.name,
                f"{figures['seconds']:.1f}",
                _n(figures["peak_rss_mb"]),
                _n(figures["tree_peak_mb"]) if "tree_peak_mb" in figures else "",
                _n(rows_in),
                _n(rows_in / figures["seconds"]) if figures["seconds"] else "",
                str(figures["nodes"]) if dbt else "",
                f"{figures['node_seconds']:.1f}" if dbt else "",
                f"{figures['hook_seconds']:.1f}" if dbt else "",
                f"{figures['overhead_seconds']:.1f}" if dbt else "",
            ]
        )
    rows.append(
        [
            "end to end (until the failure)" if result.get("failed") else "end to end",
            f"{total_seconds:.1f}",
            _n(total_peak),
            _n(total_tree),
            *[""] * (len(STAGE_HEADER) - 4),
        ]
    )
    return rows


# peak RSS MB: the largest single process (os.wait4's ru_maxrss); processes MB: the stage process and all
# its descendants (dbt's worker processes) summed, sampled every 0.2 s. node s: time inside dbt nodes
# (run_results.json); check s: the on-run-start contract check; fixed s: the rest of the stage's wall time
# (interpreter and dbt start-up, parse, adapter, writing artifacts).
STAGE_HEADER = (
    "stage",
    "wall s",
    "peak RSS MB",
    "processes MB",
    "input rows",
    "rows/s",
    "dbt nodes",
    "node s",
    "check s",
    "fixed s",
)


def _runs(seconds: Sequence[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in seconds)


def _timed_row(
    label: str, figures: Mapping[str, Any], reference: float, rows: int | None = None
) -> list[str]:
    """A table row of a baseline timed in the benchmark process: best seconds, every run, their spread,
    memory, (rows compared,) and the ratio to the reference seconds."""
    cells = [
        label,
        f"{figures['seconds']:.2f}",
        _runs(figures["runs_seconds"]),
        f"{figures['spread']:.2f}",
        _n(figures["peak_rss_mb"]),
        _n(figures["above_start_mb"]),
    ]
    if rows is not None:
        cells.append(_n(rows))
    return [*cells, f"{figures['seconds'] / reference:.1f}"]


def baseline_rows(result: Mapping[str, Any]) -> list[list[str]]:
    """One scale's feature baselines against dbt: best seconds of the warm runs, every run and their
    spread, memory, rows compared and ratio to the floor."""
    base = result["baselines"]
    floor = base["floor"]["seconds"]
    lineage = f"dbt models of +int_customer_rfm_scored ({base['dbt_rfm_lineage_nodes']} nodes, node time"
    rows = [
        _timed_row("floor: one DuckDB query", base["floor"], floor, rows=base["floor"]["rows"]),
        _timed_row("pandas", base["pandas"], floor, rows=base["pandas"]["rows"]),
    ]
    rows += [
        [
            "dbt stages " + " + ".join(FEATURE_STAGES) + " (wall, one run)",
            f"{base['dbt_feature_stages_seconds']:.2f}",
            "",
            "",
            "",
            "",
            _n(base["dbt_rfm_rows"]),
            f"{base['dbt_feature_stages_seconds'] / floor:.1f}",
        ],
        [
            lineage + ", in the stages' build)",
            f"{base['dbt_rfm_lineage_cold_seconds']:.2f}",
            "",
            "",
            "",
            "",
            _n(base["dbt_rfm_rows"]),
            f"{base['dbt_rfm_lineage_cold_seconds'] / floor:.1f}",
        ],
        [
            lineage + ", rebuilt warm with --full-refresh)",
            f"{base['dbt_rfm_lineage_seconds']:.2f}",
            _runs(base["dbt_rfm_lineage_runs_seconds"]),
            f"{base['dbt_rfm_lineage_spread']:.2f}",
            "",
            "",
            _n(base["dbt_rfm_rows"]),
            f"{base['dbt_rfm_lineage_seconds'] / floor:.1f}",
        ],
    ]
    return rows


BASELINE_HEADER = (
    "RFM table computed by",
    "best s",
    "runs s",
    "spread",
    "peak RSS MB",
    "above start MB",
    "rows = dbt",
    "x floor",
)


def uplift_rows(result: Mapping[str, Any]) -> list[list[str]]:
    """One scale's uplift fit against the plain T-learner: best seconds of the warm runs, every run, their
    spread, memory and the ratio to the peer; then the stage's own node and wall time, one cold run."""
    up = result.get("uplift_baselines") or {}
    if "peer" not in up:
        return []
    peer = up["peer"]["seconds"]
    earmark = (
        "Earmark: campaign_fits (T, X, DR on cross-fitted nuisances; "
        f"{up.get('earmark_workers', 1)} worker processes)"
    )
    rows = [
        _timed_row(f"peer: {up['peer_name']}, fit on every row, in sample", up["peer"], peer),
        _timed_row(earmark, up["earmark"], peer),
    ]
    for label, seconds in (
        ("dbt int_uplift_learner_scores (node time, in the stages' build)", up["fit_node_seconds"]),
        ("dbt stage uplift (wall, one run)", up["stage_seconds"]),
    ):
        rows.append([label, f"{seconds:.2f}", "", "", "", "", f"{seconds / peer:.1f}"])
    return rows


UPLIFT_HEADER = ("uplift fit by", "best s", "runs s", "spread", "peak RSS MB", "above start MB", "x peer")


def _uplift_line(result: Mapping[str, Any]) -> str:
    up = result["uplift_baselines"]
    return (
        f"Both fit the same {up['training_rows']:,} training rows of {', '.join(up['campaigns'])} "
        f"({up['arm_fits']} treatment arms against control) with the same gradient boosting trees, one "
        "thread a fit; the peer has no folds, calibration or propensity model, so it is the floor of any "
        "uplift fit of these rows, and the ratio is what the out-of-sample evidence costs."
    )


def growth_rows(results: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Cost growth from the smallest to the largest scale per stage: how rows and seconds grew, the ratio of
    seconds per row (wall, and work without dbt's fixed cost), and the exponent b of seconds ~ rows^b from
    the work seconds; b above 1.1 is flagged as faster than linear."""
    small, large = results[0], results[-1]
    rows = []

    def row(
        name: str, rows_small: float, rows_large: float, wall: tuple[float, float], work: tuple[float, float]
    ):
        if not (rows_small and rows_large and all(wall) and all(work)):
            return
        rows_ratio = rows_large / rows_small
        per_row_wall = (wall[1] / rows_large) / (wall[0] / rows_small)
        per_row_work = (work[1] / rows_large) / (work[0] / rows_small)
        exponent = math.log(work[1] / work[0]) / math.log(rows_ratio) if rows_ratio != 1 else float("nan")
        flag = "faster than linear" if exponent > 1.1 else ""
        rows.append(
            [
                name,
                f"{rows_ratio:.1f}",
                f"{wall[1] / wall[0]:.1f}",
                f"{per_row_wall:.2f}",
                f"{per_row_work:.2f}",
                f"{exponent:.2f}",
                flag,
            ]
        )

    for stage in STAGES:
        a, b = small["stages"].get(stage.name, {}), large["stages"].get(stage.name, {})
        if "seconds" not in a or "seconds" not in b:
            continue
        row(
            stage.name,
            a.get("rows", 0),
            b.get("rows", 0),
            (a["seconds"], b["seconds"]),
            (a["work_seconds"], b["work_seconds"]),
        )

    def total(result: Mapping[str, Any], key: str) -> float:
        return sum(f[key] for f in result["stages"].values() if key in f)

    lines_small = small["stages"]["staging_cleaning"]["rows"]
    lines_large = large["stages"]["staging_cleaning"]["rows"]
    row(
        "end to end (per raw line)",
        lines_small,
        lines_large,
        (total(small, "seconds"), total(large, "seconds")),
        (total(small, "work_seconds"), total(large, "work_seconds")),
    )
    return rows


GROWTH_HEADER = ("stage", "rows x", "wall x", "s/row x (wall)", "s/row x (work)", "b (work)", "")


def machine() -> dict[str, str]:
    """The machine and the versions the figures come from."""
    info = {"cores": str(len(os.sched_getaffinity(0))), "memory": "?", "cpu": platform.processor() or "?"}
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                info["memory"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import version

    info["versions"] = (
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, dbt-core {version('dbt-core')}, "
        f"dbt-duckdb {version('dbt-duckdb')}, pandas {pd.__version__}"
    )
    return info


def _world_line(result: Mapping[str, Any]) -> str:
    world = result["world"]
    labels = {
        "customers": "customer records",
        "accounts": "accounts",
        "transactions": "transaction lines",
        "activity": "activity rows",
        "treatments": "treatment rows",
    }
    before, after = result["load_average"]
    incremental = result.get("incremental")
    held_back = ""
    if incremental:
        day = next(iter(incremental["last_day"].values()))
        appended = incremental["rows_appended"]
        held_back = (
            f" The stages build it without its last day ({day}: {appended['transactions']:,} transaction "
            f"lines, {appended['activity']:,} activity rows), which the incremental build then appends."
        )
    return (
        "Simulated "
        + ", ".join(f"{world[key]:,} {label}" for key, label in labels.items() if key in world)
        + f"; 1-minute load average {before:.1f} at the start, {after:.1f} at the end."
        + held_back
    )


def _failure_line(result: Mapping[str, Any]) -> str:
    stage = result["failed"]
    failed = result["stages"][stage]["failed"]
    code = failed["returncode"]
    how = f"exit code {code}"
    if code < 0:
        how = f"killed by signal {-code} (as by the kernel when memory runs out)"
    node = f", while building {failed['last_started']}" if failed["last_started"] else ""
    return (
        f"Stopped: stage {stage} failed, {how}, after {failed['seconds']:.1f} s{node}; its largest "
        f"process held {_n(failed['peak_rss_mb'])} MB, its processes together {_n(failed['tree_peak_mb'])} "
        "MB. The stages after it did not run."
    )


def _incremental_line(result: Mapping[str, Any]) -> str:
    inc = result["incremental"]
    slowest = ", ".join(f"{uid.split('.')[-1]} {seconds:.1f} s" for uid, seconds in inc["slowest"])
    return (
        f"Incremental build (the last day appended, one `dbt build` of all {inc['nodes']} nodes on the "
        f"stages' warehouse): {inc['seconds']:.1f} s wall, peak RSS {inc['peak_rss_mb']:,.0f} MB "
        f"({inc.get('tree_peak_mb', 0.0):,.0f} MB summed over its processes), against "
        f"{inc['full_build_seconds']:.1f} s for the full build's dbt stages: "
        f"{inc['seconds'] / inc['full_build_seconds']:.2f} of it. Slowest nodes: {slowest}."
    )


def _ratio_line(result: Mapping[str, Any]) -> str:
    base = result["baselines"]
    floor = base["floor"]["seconds"]
    return (
        f"dbt/floor {base['dbt_feature_stages_seconds'] / floor:.1f} (stages, wall) and "
        f"{base['dbt_rfm_lineage_seconds'] / floor:.1f} (the RFM lineage's node time, best warm run); "
        f"pandas/floor "
        f"{base['pandas']['seconds'] / floor:.1f}. Both baselines equal dbt's int_customer_rfm_scored on all "
        f"{base['dbt_rfm_rows']:,} rows."
    )


def format_report(results: Sequence[Mapping[str, Any]], command: str, markdown: bool) -> str:
    """Every scale's stage and baseline tables, the growth table, the machine and the command."""
    info = machine()
    out = []
    if markdown:
        out += [
            f"`{command}`. Each stage runs in its own process; its peak RSS is the high-water mark of the "
            "largest single process among it and its children, `processes MB` the peak of their resident "
            "sets summed (dbt and its worker processes at once, sampled every 0.2 s). The baselines run "
            "inside the benchmark process, three times each "
            "(best, every run, spread = slowest over best): their peak RSS is that process's, `above "
            "start` what the baseline added to it.",
            "",
            f"Machine: {info['cores']} cores (nproc), {info['memory']}, {info['cpu']}; {info['versions']}.",
            "",
        ]
    else:
        out += [
            f"{command}",
            f"{info['cores']} cores, {info['memory']}, {info['cpu']}; {info['versions']}",
            "",
        ]
    for result in results:
        if markdown:
            out += [f"### Scale {result['scale']:g}", "", _world_line(result), ""]
        else:
            out += [f"scale {result['scale']:g}: {_world_line(result)}", ""]
        provenance = []
        if result.get("command") and result["command"] != command:
            provenance.append(f"Measured by `{result['command']}`.")
        if result.get("duckdb_memory"):
            provenance.append(f"DuckDB's memory cap (`EARMARK_DUCKDB_MEMORY`): {result['duckdb_memory']}.")
        if provenance:
            out += [" ".join(provenance), ""]
        out.append(_table(STAGE_HEADER, stage_rows(result), markdown))
        out += [
            "",
            f"dbt start-up with nothing selected: {result['startup_seconds']:.1f} s per invocation. "
            "`node s` is time inside dbt nodes, `check s` the on-run-start contract check, `fixed s` the "
            "rest of a stage's wall time (start-up, parse, artifacts).",
            "",
        ]
        if result.get("failed"):
            out += [_failure_line(result), ""]
            continue
        if not result.get("baselines"):
            out += [
                "Stages only at this scale (`--baselines-up-to`): no baselines and no incremental build; the "
                "stages still build the world without its last day, as at the other scales.",
                "",
            ]
            continue
        out.append(_table(BASELINE_HEADER, baseline_rows(result), markdown))
        out += ["", _ratio_line(result), ""]
        if uplift_rows(result):
            out.append(_table(UPLIFT_HEADER, uplift_rows(result), markdown))
            out += ["", _uplift_line(result), ""]
        if result.get("incremental"):
            out += [_incremental_line(result), ""]
    complete = [result for result in results if not result.get("failed")]
    if len(complete) > 1:
        heading = f"Cost growth from scale {complete[0]['scale']:g} to scale {complete[-1]['scale']:g}"
        out += [f"### {heading}" if markdown else heading, ""]
        out.append(_table(GROWTH_HEADER, growth_rows(complete), markdown))
        out += [
            "",
            "`s/row x` is seconds per input row at the largest scale over the smallest; `b` is the exponent "
            "of work seconds ~ rows^b (1 is linear). Work excludes dbt's fixed cost per invocation.",
            "",
        ]
    bumped = results[0]["bumped"] if results else {}
    if bumped:
        moved = ", ".join(f"{uid.split('.')[-1]} ({a} -> {b})" for uid, (a, b) in sorted(bumped.items()))
        out += [f"Models run later than their folder's stage because a parent is built there: {moved}.", ""]
    return "\n".join(out).rstrip() + "\n"


BENCH_START = "<!-- bench:start -->"
BENCH_END = "<!-- bench:end -->"


def rewrite_section(document: str, body: str) -> str:
    """Replace what lies between the bench markers of a document with body (markers kept)."""
    start, end = document.find(BENCH_START), document.find(BENCH_END)
    if start < 0 or end < start:
        raise ValueError(f"the document needs the markers {BENCH_START} and {BENCH_END}, in that order")
    return document[: start + len(BENCH_START)] + "\n" + body.rstrip() + "\n" + document[end:]
