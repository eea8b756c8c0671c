"""Running one benchmark stage as a measured process (wall time, peak memory) and checking what dbt ran."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from earmark.bench.stages import BUILD_RESOURCE_TYPES, DBT_STAGES, StageAssignment, selectors

# --------------------------------------------------------------------------------------------------
# Measured child processes


@dataclasses.dataclass
class Measured:
    """A finished child process: wall seconds, peak resident set (MB: the largest single process among
    the child and the descendants it waited for), the peak of the child's and all its descendants'
    resident sets summed (MB, sampled; 0 when it ended before the first sample) and exit code."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    tree_peak_mb: float = 0.0


# The launcher a measured command runs under: a bare interpreter that starts the command, reaps it with
# os.wait4 and prints its wall seconds, peak RSS and exit code. It exists because Linux starts a child's
# ru_maxrss at the resident size of the process it was forked from (exec records the old address space's
# high-water mark): forked straight from the benchmark, which holds the baselines' data frames, every
# stage would report at least the benchmark's own size. Forked from this ~10 MB launcher it does not.
# ru_maxrss is the largest single process, not the sum of those alive at once (dbt and the worker
# processes of earmark.parallel), so the launcher also samples, every TREE_SAMPLE_SECONDS, the summed
# resident set of the child and all its descendants from /proc.
TREE_SAMPLE_SECONDS = 0.2
LAUNCHER = """
import json, os, subprocess, sys, time
log, cwd, interval, *command = sys.argv[1:]
page = os.sysconf("SC_PAGE_SIZE")

def tree_rss(root):
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, ppid in parent.items() if ppid in frontier and pid not in tree]
        tree.update(frontier)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
    return total

with open(log, "w") as out:
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd or None)
    peak_tree = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        peak_tree = max(peak_tree, tree_rss(child.pid))
        time.sleep(float(interval))
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "maxrss_kib": usage.ru_maxrss, "tree_peak_bytes": peak_tree,
                  "returncode": os.waitstatus_to_exitcode(status)}))
"""


def run_measured(
    command: Sequence[str], log_file: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Measured:
    """Run a command with stdout and stderr to log_file, under `LAUNCHER`: wall time from start to reaping,
    peak memory from the rusage `os.wait4` returns for it (ru_maxrss, KiB on Linux; the largest of the
    command and the descendants it waited for), and the sampled peak of their summed resident sets."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    interval = str(TREE_SAMPLE_SECONDS)
    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(log_file), str(cwd or ""), interval, *command]
    done = subprocess.run(launcher, env=dict(env) if env else None, capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"the measuring launcher failed ({done.returncode}): {done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(
        figures["seconds"],
        figures["maxrss_kib"] / 1024,
        figures["returncode"],
        figures["tree_peak_bytes"] / 2**20,
    )


def log_tail(log_file: Path, lines: int = 40) -> str:
    return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])


# --------------------------------------------------------------------------------------------------
# dbt


@dataclasses.dataclass
class DbtContext:
    """How to run dbt for one warehouse: project dir, raw dir (var raw_dir), DuckDB file (EARMARK_DB), and
    private target and log paths, so the benchmark never touches the project's own target/."""

    project: Path
    raw_dir: Path
    db: Path
    target: Path
    logs: Path
    model_cache: Path | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "EARMARK_DB": str(self.db),
            "DBT_PROFILES_DIR": str(self.project),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }

    def command(self, *args: str) -> list[str]:
        return [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--vars",
            json.dumps(
                {
                    "raw_dir": str(self.raw_dir),
                    "python_model_cache_dir": self.model_cache and str(self.model_cache),
                }
            ),
            "--target-path",
            str(self.target),
            "--log-path",
            str(self.logs),
        ]

    def log_file(self, log_name: str) -> Path:
        """Where run(..., log_name=) writes dbt's output."""
        return self.logs / f"{log_name}.log"

    def run(self, *args: str, log_name: str, check: bool = True) -> Measured:
        """Run dbt, measured; when it fails, raise with the end of the log (check) or return its exit code."""
        log_file = self.log_file(log_name)
        done = run_measured(self.command(*args), log_file, env=self.env(), cwd=self.project)
        if check and done.returncode != 0:
            raise RuntimeError(f"dbt {' '.join(args[:1])} failed ({done.returncode}):\n{log_tail(log_file)}")
        return done

    def manifest(self) -> dict[str, Any]:
        return json.loads((self.target / "manifest.json").read_text())

    def list_nodes(self, select: Sequence[str] | None = None) -> set[str]:
        """Unique ids `dbt ls` lists for a selection (all build resource types; none: a plain build)."""
        args = ["--quiet", "ls", "--output", "json", "--output-keys", "unique_id"]
        for resource_type in BUILD_RESOURCE_TYPES:
            args += ["--resource-type", resource_type]
        if select is not None:
            args += ["--select", *select, "--indirect-selection", "cautious"]
        done = subprocess.run(
            self.command(*args), env=self.env(), cwd=self.project, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"dbt ls failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
        return {json.loads(line)["unique_id"] for line in done.stdout.splitlines() if line.startswith("{")}


def check_selection(context: DbtContext, assignment: StageAssignment) -> None:
    """Before any build: dbt's own reading of every stage's selection must be exactly the stage's nodes,
    and the stages together exactly the nodes of a plain `dbt build`, each once."""
    plain = context.list_nodes()
    if plain != set(assignment.stage_of):
        raise RuntimeError(
            "the manifest's build nodes differ from `dbt ls`: "
            f"{sorted(plain ^ set(assignment.stage_of))[:10]}"
        )
    for stage in DBT_STAGES:
        wanted = set(assignment.nodes_of(stage.name))
        listed = context.list_nodes(selectors(assignment, wanted))
        if listed != wanted:
            raise RuntimeError(
                f"stage {stage.name}: dbt selects {len(listed)} nodes, the stage has {len(wanted)}; "
                f"extra {sorted(listed - wanted)[:5]}, missing {sorted(wanted - listed)[:5]}"
            )


def check_coverage(assignment: StageAssignment, executed: Mapping[str, Sequence[str]]) -> None:
    """After the build: each stage ran exactly its nodes (run_results.json, hooks aside), and the stages
    together ran every node of a plain `dbt build` exactly once."""
    seen: dict[str, str] = {}
    for stage, unique_ids in executed.items():
        for uid in unique_ids:
            if uid in seen:
                raise RuntimeError(f"{uid} ran in stage {seen[uid]} and again in {stage}")
            seen[uid] = stage
        if set(unique_ids) != set(assignment.nodes_of(stage)):
            raise RuntimeError(f"stage {stage} ran other nodes than assigned")
    missing = set(assignment.stage_of) - set(seen)
    if missing:
        raise RuntimeError(f"nodes of a plain dbt build that no stage ran: {sorted(missing)[:10]}")
