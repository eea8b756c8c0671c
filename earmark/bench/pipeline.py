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

dbt's fixed cost per invocation (start-up, project parse, the on-run-start contract check) is reported per
stage as the wall time not spent in nodes, and per scale as the time of a build that selects nothing.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from earmark import contract
from earmark.bench.segmentation import StepRecorder
from earmark.contract.duckdb_paths import path_literal
from earmark.simulate.new_day import split_last_day

# --------------------------------------------------------------------------------------------------
# Stages


@dataclasses.dataclass(frozen=True)
class Stage:
    """One measured step of the pipeline: a name, what it covers, the folders whose dbt nodes it builds
    (path prefixes of the node's original file; empty for the steps that are not dbt) and what its input
    rows are (the figure rows per second is computed from)."""

    name: str
    label: str
    folders: tuple[str, ...]
    rows: str
    is_dbt: bool = True


# Identity resolution is built with cleaning, not with features: int_transactions_cleaned and
# int_activity_cleaned attribute every line to a customer through int_customer_ref_periods, so with identity
# in a later stage the parent rule would move all of cleaning there and leave this stage with views only.
STAGES: tuple[Stage, ...] = (
    Stage("simulate", "simulate the world", (), "transaction + activity lines written", is_dbt=False),
    Stage(
        "staging_cleaning",
        "seeds, staging views, identity resolution, cleaning",
        ("seeds/", "models/staging/", "models/intermediate/identity/", "models/intermediate/cleaning/"),
        "raw transaction + activity lines",
    ),
    Stage(
        "features",
        "as-of date, features, RFM, segments, run parameters, data quality marts",
        (
            "models/intermediate/features/",
            "models/intermediate/run/",
            "models/marts/run/",
            "models/marts/data_quality/",
            "models/marts/customers/",
        ),
        "raw transaction + activity lines",
    ),
    Stage(
        "segmentation",
        "clustering Python models, personas, treatment bands, segmentation marts",
        ("models/intermediate/segmentation/", "models/marts/segmentation/"),
        "resolved customers",
    ),
    Stage(
        "uplift",
        "training set, cross-fitted T-learner and its validation, uplift marts",
        ("models/intermediate/uplift/", "models/marts/uplift/"),
        "treatment rows",
    ),
    Stage(
        "policy",
        "account roll-up, gates, policy marts",
        ("models/intermediate/policy/", "models/marts/policy/"),
        "accounts",
    ),
    Stage(
        "report_sources",
        "Evidence extracts its sources from the warehouse (`evidence sources --strict`)",
        (),
        "mart rows the source queries read",
        is_dbt=False,
    ),
    Stage(
        "report_site",
        "Evidence builds the static site from those sources (`evidence build:strict`)",
        (),
        "accounts the site serves",
        is_dbt=False,
    ),
)
STAGE_INDEX = {stage.name: i for i, stage in enumerate(STAGES)}
DBT_STAGES = tuple(stage for stage in STAGES if stage.is_dbt)
# The resource types a plain `dbt build` runs (exposures run as no-ops).
BUILD_RESOURCE_TYPES = ("model", "seed", "snapshot", "test", "unit_test", "exposure")
# The stages the feature baselines are compared with: everything up to the RFM table.
FEATURE_STAGES = ("staging_cleaning", "features")
RFM_MODEL = "model.earmark.int_customer_rfm_scored"


@dataclasses.dataclass
class StageAssignment:
    """Every node of a plain `dbt build` and its stage, its parents among those nodes, and the nodes moved
    to a later stage than their folder's because a parent is built there (node -> (folder stage, stage))."""

    stage_of: dict[str, str]
    parents: dict[str, list[str]]
    bumped: dict[str, tuple[str, str]]
    fqn: dict[str, list[str]]

    def nodes_of(self, stage: str) -> list[str]:
        """The unique ids of a stage's nodes, sorted."""
        return sorted(uid for uid, name in self.stage_of.items() if name == stage)


def build_nodes(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The nodes a plain `dbt build` runs, from a parsed manifest: enabled models, seeds, snapshots, data
    tests, unit tests and exposures, by unique id."""
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in BUILD_RESOURCE_TYPES and node.get("config", {}).get("enabled", True)
    }
    nodes.update(manifest.get("unit_tests", {}))
    nodes.update(manifest.get("exposures", {}))
    return nodes


def _folder_stage(path: str) -> str | None:
    for stage in DBT_STAGES:
        if any(path.startswith(folder) for folder in stage.folders):
            return stage.name
    return None


def assign_stages(manifest: Mapping[str, Any]) -> StageAssignment:
    """Assign every node of a plain `dbt build` to a dbt stage.

    Models and seeds start in the stage of their folder (an unmapped folder is an error, so a new layer
    cannot go unmeasured); tests, unit tests and exposures have no folder stage of their own. Then every
    node moves to the latest stage of any of its parents, transitively, so no stage reads a table that a
    later stage builds, and a test runs once everything it reads exists. A node without parents and without
    a folder stage (a test on a source only) goes to the first dbt stage."""
    nodes = build_nodes(manifest)
    parents = {
        uid: sorted({p for p in node.get("depends_on", {}).get("nodes", []) if p in nodes})
        for uid, node in nodes.items()
    }
    folder_stage: dict[str, str | None] = {}
    unmapped = []
    for uid, node in nodes.items():
        if node["resource_type"] in ("model", "seed", "snapshot"):
            folder_stage[uid] = _folder_stage(node["original_file_path"])
            if folder_stage[uid] is None:
                unmapped.append(f"{uid} ({node['original_file_path']})")
        else:
            folder_stage[uid] = None
    if unmapped:
        raise ValueError("dbt nodes in a folder no benchmark stage covers: " + ", ".join(sorted(unmapped)))

    first = STAGE_INDEX[DBT_STAGES[0].name]
    resolved: dict[str, int] = {}

    def stage_index(uid: str, path: tuple[str, ...] = ()) -> int:
        if uid in resolved:
            return resolved[uid]
        if uid in path:
            raise ValueError("dependency cycle: " + " -> ".join((*path, uid)))
        own = folder_stage[uid]
        index = max(
            [STAGE_INDEX[own] if own else first, *(stage_index(p, (*path, uid)) for p in parents[uid])]
        )
        resolved[uid] = index
        return index

    stage_of = {uid: STAGES[stage_index(uid)].name for uid in nodes}
    bumped = {uid: (own, stage_of[uid]) for uid, own in folder_stage.items() if own and own != stage_of[uid]}
    return StageAssignment(stage_of, parents, bumped, {uid: node["fqn"] for uid, node in nodes.items()})


def selectors(assignment: StageAssignment, unique_ids: Iterable[str]) -> list[str]:
    """dbt selection arguments naming exactly these nodes: `fqn:` with the full fully qualified name (it
    also matches a model's unit tests, which share the model's stage), `exposure:` for exposures."""
    out = []
    for uid in sorted(unique_ids):
        if uid.startswith("exposure."):
            out.append(f"exposure:{uid.split('.', 2)[2]}")
        else:
            out.append("fqn:" + ".".join(assignment.fqn[uid]))
    return out


def lineage(manifest: Mapping[str, Any], unique_id: str) -> set[str]:
    """A node and all its model and seed ancestors (what `dbt build --select +node` builds)."""
    seen: set[str] = set()
    pending = [unique_id]
    while pending:
        uid = pending.pop()
        if uid in seen or uid not in manifest["nodes"]:
            continue
        seen.add(uid)
        pending.extend(manifest["nodes"][uid].get("depends_on", {}).get("nodes", []))
    return {uid for uid in seen if uid.split(".")[0] in ("model", "seed", "snapshot")}


# --------------------------------------------------------------------------------------------------
# Measured child processes


@dataclasses.dataclass
class Measured:
    """A finished child process: wall seconds, peak resident set (MB, the child and the descendants it
    waited for) and exit code."""

    seconds: float
    peak_rss_mb: float
    returncode: int


# The launcher a measured command runs under: a bare interpreter that starts the command, reaps it with
# os.wait4 and prints its wall seconds, peak RSS and exit code. It exists because Linux starts a child's
# ru_maxrss at the resident size of the process it was forked from (exec records the old address space's
# high-water mark): forked straight from the benchmark, which holds the baselines' data frames, every
# stage would report at least the benchmark's own size. Forked from this ~10 MB launcher it does not.
LAUNCHER = """
import json, os, subprocess, sys, time
log, cwd, *command = sys.argv[1:]
with open(log, "w") as out:
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd or None)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "maxrss_kib": usage.ru_maxrss,
                  "returncode": os.waitstatus_to_exitcode(status)}))
"""


def run_measured(
    command: Sequence[str], log_file: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Measured:
    """Run a command with stdout and stderr to log_file, under `LAUNCHER`: wall time from start to reaping,
    peak memory from the rusage `os.wait4` returns for it (ru_maxrss, KiB on Linux; it covers the
    descendants the command waited for)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(log_file), str(cwd or ""), *command]
    done = subprocess.run(launcher, env=dict(env) if env else None, capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"the measuring launcher failed ({done.returncode}): {done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(figures["seconds"], figures["maxrss_kib"] / 1024, figures["returncode"])


def _log_tail(log_file: Path, lines: int = 40) -> str:
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

    def run(self, *args: str, log_name: str) -> Measured:
        """Run dbt, measured; raise with the end of the log when it fails."""
        log_file = self.logs / f"{log_name}.log"
        done = run_measured(self.command(*args), log_file, env=self.env(), cwd=self.project)
        if done.returncode != 0:
            raise RuntimeError(f"dbt {' '.join(args[:1])} failed ({done.returncode}):\n{_log_tail(log_file)}")
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


# --------------------------------------------------------------------------------------------------
# The feature baselines

# The RFM table of int_customer_rfm_scored in one query over the raw files. Rules, in the models' order:
# - int_transactions_cleaned: a line is malformed when invoice, stock code, quantity, price or time is null
#   or the quantity 0; of exact duplicates (all eight columns equal) only one copy counts (which one does
#   not matter: they are equal). Then the first matching rule decides: a cancellation invoice (starts with
#   C) or a return (negative quantity) is a reversal; a non-product stock code (seed, upper-cased and
#   trimmed), a price <= 0, a missing or unknown customer excludes the line; the rest are kept sales.
# - identity (int_customer_records_keyed, int_customer_ref_periods): the customer id is 'C' + 16 hex of
#   md5(matching key), the key the normalised e-mail (lower, trimmed of spaces, first +tag dropped, empty
#   means none) or else the raw reference; a reference belongs to its owners in order of their first
#   signup (null first), the first owner also holding everything before; a line goes to the owner whose
#   period holds its time.
# - int_feature_as_of_date: the day after the last kept sale (var as_of_date unset).
# - int_customer_sales_features and int_customer_rfm_scored: lines before the as-of date with a customer;
#   frequency distinct kept invoices, recency days since the last kept sale, monetary the kept value plus
#   the reversed value (line values fixed-point to 4 decimals), floored at 0; customers with a kept sale.
# - macro quantile_score: score = 1 + floor(bins * (min rank - 1) / n), recency ranked descending.
RFM_FLOOR_SQL = r"""
with

lines as (
    select distinct
        cast(invoice_ref as varchar) as invoice_ref,
        cast(stock_code as varchar) as stock_code,
        cast(description as varchar) as description,
        cast(quantity as bigint) as quantity,
        cast(unit_price as double) as unit_price,
        cast(invoiced_at as timestamp) as invoiced_at,
        cast(customer_ref as varchar) as customer_ref,
        cast(country as varchar) as country
    from read_parquet('{transactions}')
    where
        invoice_ref is not null and stock_code is not null and quantity is not null
        and unit_price is not null and invoiced_at is not null and quantity <> 0
),

non_product_codes as (
    select distinct upper(trim(cast(stock_code as varchar))) as stock_code
    from read_csv('{non_product_codes}', header = true, all_varchar = true)
),

classified as (
    select
        lines.*,
        case
            when upper(lines.invoice_ref) like 'C%' or lines.quantity < 0 then 'reversal'
            when non_product_codes.stock_code is not null or lines.unit_price <= 0 then 'excluded'
            when lines.customer_ref is null then 'excluded'
            else 'kept'
        end as kind
    from lines
    left join non_product_codes on upper(trim(lines.stock_code)) = non_product_codes.stock_code
),

records as (
    select
        cast(customer_ref as varchar) as customer_ref,
        cast(signup_at as timestamp) as signup_at,
        'C' || left(md5(coalesce(
            'email:' || nullif(regexp_replace(lower(trim(cast(email as varchar))), '\+[^@]*@', '@'), ''),
            'ref:' || cast(customer_ref as varchar)
        )), 16) as customer_id
    from read_parquet('{customers}')
),

owners as (
    select customer_ref, customer_id, min(signup_at) as owner_since
    from records
    group by customer_ref, customer_id
),

periods as (
    select
        customer_ref,
        customer_id,
        case when row_number() over owner_order = 1 then '-infinity'::timestamp else owner_since end
            as valid_from,
        coalesce(lead(owner_since) over owner_order, 'infinity'::timestamp) as valid_to
    from owners
    window owner_order as (partition by customer_ref order by owner_since nulls first, customer_id)
),

attributed as (
    select
        periods.customer_id,
        classified.invoice_ref,
        classified.invoiced_at,
        classified.kind,
        cast(classified.quantity * classified.unit_price as decimal(18, 4)) as line_value
    from classified
    inner join periods
        on classified.customer_ref = periods.customer_ref
        and classified.invoiced_at >= periods.valid_from
        and classified.invoiced_at < periods.valid_to
    where classified.kind in ('kept', 'reversal')
),

as_of as (
    select cast(max(invoiced_at) as date) + 1 as as_of_date from attributed where kind = 'kept'
),

per_customer as (
    select
        attributed.customer_id,
        count(distinct attributed.invoice_ref) filter (where attributed.kind = 'kept') as frequency,
        max(attributed.invoiced_at) filter (where attributed.kind = 'kept') as last_purchase_at,
        coalesce(sum(attributed.line_value) filter (where attributed.kind = 'kept'), 0) as gross_sales,
        coalesce(sum(attributed.line_value) filter (where attributed.kind = 'reversal'), 0)
            as reversed_value
    from attributed
    cross join as_of
    where attributed.invoiced_at < cast(as_of.as_of_date as timestamp)
    group by attributed.customer_id
    having count(*) filter (where attributed.kind = 'kept') > 0
),

measured as (
    select
        per_customer.customer_id,
        per_customer.frequency,
        as_of.as_of_date - cast(per_customer.last_purchase_at as date) as recency_days,
        greatest(cast(per_customer.gross_sales as double) + cast(per_customer.reversed_value as double), 0)
            as monetary
    from per_customer
    cross join as_of
),

scored as (
    select
        *,
        cast(1 + floor({bins} * (rank() over (order by recency_days desc) - 1) / count(*) over ()) as integer)
            as r_score,
        cast(1 + floor({bins} * (rank() over (order by frequency asc) - 1) / count(*) over ()) as integer)
            as f_score,
        cast(1 + floor({bins} * (rank() over (order by monetary asc) - 1) / count(*) over ()) as integer)
            as m_score
    from measured
)

select
    *,
    cast(r_score as varchar) || cast(f_score as varchar) || cast(m_score as varchar) as rfm_code
from scored
"""

RFM_COLUMNS = (
    "customer_id",
    "frequency",
    "recency_days",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_code",
)
RFM_INTEGER_COLUMNS = ("frequency", "recency_days", "r_score", "f_score", "m_score")
# The contract's eight transaction columns: all of them define an exact duplicate line.
TRANSACTION_COLUMNS = tuple(column.name for column in contract.TRANSACTIONS.columns)


def _sql_path(path: Path) -> str:
    # the text between the template's quotes: quotes doubled, glob characters literal
    return path_literal(path)[1:-1]


def rfm_floor_sql(raw_dir: Path, seeds_dir: Path, bins: int = 5) -> str:
    """`RFM_FLOOR_SQL` with the raw files, the non-product stock code seed and the number of score bins
    (var rfm_bins) filled in."""
    return RFM_FLOOR_SQL.format(
        transactions=_sql_path(raw_dir / "transactions.parquet"),
        customers=_sql_path(raw_dir / "customers.parquet"),
        non_product_codes=_sql_path(seeds_dir / "non_product_stock_codes.csv"),
        bins=int(bins),
    )


def rfm_floor(raw_dir: Path, seeds_dir: Path, bins: int = 5) -> pd.DataFrame:
    """The RFM table computed by the one floor query on an in-memory DuckDB."""
    with duckdb.connect() as con:
        return con.sql(rfm_floor_sql(raw_dir, seeds_dir, bins)).df()


def _fixed_point_e4(values: pd.Series) -> pd.Series:
    """Values as integer ten-thousandths, rounded half away from zero: what DuckDB's cast of a double to
    decimal(18, 4) does, so sums are exact as they are in the dbt model."""
    scaled = values * 10_000
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype("int64")


def _quantile_score(values: pd.Series, bins: int, ascending: bool) -> pd.Series:
    """Macro quantile_score: 1 + floor(bins * (min rank - 1) / n); ties share the score."""
    rank = values.rank(method="min", ascending=ascending).astype("int64")
    return (1 + bins * (rank - 1) // len(values)).astype("int32")


def rfm_pandas(raw_dir: Path, seeds_dir: Path, bins: int = 5) -> pd.DataFrame:
    """The RFM table of int_customer_rfm_scored in plain pandas (vectorised, no DuckDB), rule for rule
    the same as `RFM_FLOOR_SQL` (see the comment above it)."""
    lines = pd.read_parquet(raw_dir / "transactions.parquet", columns=list(TRANSACTION_COLUMNS))
    customers = pd.read_parquet(raw_dir / "customers.parquet", columns=["customer_ref", "email", "signup_at"])
    codes = pd.read_csv(seeds_dir / "non_product_stock_codes.csv", dtype=str)["stock_code"]

    # Cleaning: drop malformed lines, keep one copy of exact duplicates, classify by the first rule met.
    required = ["invoice_ref", "stock_code", "quantity", "unit_price", "invoiced_at"]
    lines = lines[lines[required].notna().all(axis=1) & (lines["quantity"] != 0)]
    lines = lines.drop_duplicates(subset=list(TRANSACTION_COLUMNS))
    is_reversal = lines["invoice_ref"].str.upper().str.startswith("C") | (lines["quantity"] < 0)
    non_product = lines["stock_code"].str.strip(" ").str.upper().isin(set(codes.str.strip(" ").str.upper()))
    is_kept = ~is_reversal & ~non_product & (lines["unit_price"] > 0) & lines["customer_ref"].notna()
    lines = lines.assign(is_kept=is_kept)[is_reversal | is_kept]

    # Identity: matching key, resolved id, ownership periods of each reference.
    email_key = customers["email"].str.strip(" ").str.lower().str.replace(r"\+[^@]*@", "@", n=1, regex=True)
    email_key = email_key.mask(email_key == "")
    matching_key = ("email:" + email_key).fillna("ref:" + customers["customer_ref"])
    ids = {key: "C" + hashlib.md5(key.encode()).hexdigest()[:16] for key in matching_key.unique()}
    customers = customers.assign(customer_id=matching_key.map(ids))
    owners = (
        customers.groupby(["customer_ref", "customer_id"], as_index=False)["signup_at"]
        .min()
        .rename(columns={"signup_at": "owner_since"})
        .sort_values(["customer_ref", "owner_since", "customer_id"], na_position="first")
    )
    by_ref = owners.groupby("customer_ref")
    # The first owner also holds everything before its signup; the next owner's start ends a period, and
    # a missing start (the last owner, or a next owner without signup) leaves it open.
    owners["is_first_owner"] = by_ref.cumcount() == 0
    owners["valid_to"] = by_ref["owner_since"].shift(-1)

    # Attribute each line to the owner of its reference at its time.
    attributed = lines.merge(owners, on="customer_ref", how="inner")
    at = attributed["invoiced_at"]
    attributed = attributed[
        (attributed["is_first_owner"] | (at >= attributed["owner_since"]))
        & (attributed["valid_to"].isna() | (at < attributed["valid_to"]))
    ]
    as_of = attributed.loc[attributed["is_kept"], "invoiced_at"].max().normalize() + pd.Timedelta(days=1)
    attributed = attributed[attributed["invoiced_at"] < as_of]
    attributed = attributed.assign(
        value_e4=_fixed_point_e4(attributed["quantity"] * attributed["unit_price"])
    )

    # Sales features, then RFM and the quantile scores.
    kept = attributed[attributed["is_kept"]]
    rfm = kept.groupby("customer_id").agg(
        frequency=("invoice_ref", "nunique"),
        last_purchase_at=("invoiced_at", "max"),
        gross_e4=("value_e4", "sum"),
    )
    reversed_e4 = attributed[~attributed["is_kept"]].groupby("customer_id")["value_e4"].sum()
    rfm["reversed_e4"] = reversed_e4.reindex(rfm.index, fill_value=0)
    rfm["recency_days"] = (as_of - rfm["last_purchase_at"].dt.normalize()).dt.days
    rfm["monetary"] = np.maximum(rfm["gross_e4"] / 10_000 + rfm["reversed_e4"] / 10_000, 0.0)
    rfm["r_score"] = _quantile_score(rfm["recency_days"], bins, ascending=False)
    rfm["f_score"] = _quantile_score(rfm["frequency"], bins, ascending=True)
    rfm["m_score"] = _quantile_score(rfm["monetary"], bins, ascending=True)
    rfm["rfm_code"] = rfm["r_score"].astype(str) + rfm["f_score"].astype(str) + rfm["m_score"].astype(str)
    return rfm.reset_index()[list(RFM_COLUMNS)]


def read_dbt_rfm(db: Path) -> pd.DataFrame:
    """The dbt model int_customer_rfm_scored from a built warehouse (opened read-only)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(f"select {', '.join(RFM_COLUMNS)} from intermediate.int_customer_rfm_scored").df()


def compare_rfm(expected: pd.DataFrame, actual: pd.DataFrame, label: str, tolerance: float = 1e-6) -> int:
    """Check that an RFM table equals the dbt one: the same customers, equal integer columns and RFM codes,
    monetary within `tolerance`. Return the row count; raise AssertionError naming what differs."""
    left = expected.set_index("customer_id").sort_index()
    right = actual.set_index("customer_id").sort_index()
    if not left.index.is_unique or not right.index.is_unique:
        raise AssertionError(f"{label}: customer_id is not unique")
    if not left.index.equals(right.index):
        only_dbt = left.index.difference(right.index)
        only_other = right.index.difference(left.index)
        raise AssertionError(
            f"{label}: {len(only_dbt)} customers only in dbt (e.g. {list(only_dbt[:3])}), "
            f"{len(only_other)} only in {label} (e.g. {list(only_other[:3])})"
        )
    problems = []
    for column in RFM_INTEGER_COLUMNS:
        differ = left[column].astype("int64").to_numpy() != right[column].astype("int64").to_numpy()
        if differ.any():
            problems.append(f"{column} differs for {int(differ.sum())} customers")
    differ = left["rfm_code"].astype(str).to_numpy() != right["rfm_code"].astype(str).to_numpy()
    if differ.any():
        problems.append(f"rfm_code differs for {int(differ.sum())} customers")
    gap = float(
        np.max(np.abs(left["monetary"].to_numpy(float) - right["monetary"].to_numpy(float)), initial=0)
    )
    if gap > tolerance:
        problems.append(f"monetary differs by up to {gap:g}")
    if problems:
        raise AssertionError(
            f"{label} != dbt int_customer_rfm_scored ({len(left):,} rows): " + "; ".join(problems)
        )
    return len(left)


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_in_process(
    name: str, function: Callable[[], pd.DataFrame]
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Run a baseline in this process under the segmentation benchmark's StepRecorder: wall and CPU
    seconds, peak RSS of the process (sampled every 5 ms) and how far that peak rose above the process's
    RSS at the start (the baseline's own working memory, DuckDB's and Arrow's buffers included)."""
    gc.collect()
    start_mb = _rss_mb()
    recorder = StepRecorder()
    with recorder(name):
        result = function()
    figures = dict(recorder.rows[0])
    figures["above_start_mb"] = figures["peak_rss_mb"] - start_mb
    return result, figures


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


def bench_scale(
    scale: float,
    work: Path,
    project: Path,
    assignment: StageAssignment,
    manifest: Mapping[str, Any],
    seed: int = 42,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Simulate and build one scale stage by stage, run the feature baselines, and return every figure
    (stages, start-up, row counts, baselines) as plain data."""
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
        seconds, peak = figures["seconds"], figures["peak_rss_mb"]
        progress(f"  scale {scale:g} {stage}: {seconds:.1f} s, peak RSS {peak:,.0f} MB")

    # 1. Simulate.
    simulate = [sys.executable, "-m", "earmark.cli", "simulate", "--out", str(simulated), "--seed", str(seed)]
    done = run_measured([*simulate, "--scale", f"{scale:g}"], scale_dir / "simulate.log", cwd=project)
    if done.returncode != 0:
        raise RuntimeError(f"simulate failed:\n{_log_tail(scale_dir / 'simulate.log')}")
    world = json.loads((simulated / "manifest.json").read_text())["row_counts"]
    note("simulate", {"seconds": done.seconds, "peak_rss_mb": done.peak_rss_mb, "work_seconds": done.seconds})
    day = split_last_day(simulated, raw, after)
    shutil.rmtree(simulated)

    # 2. Parse once for this raw dir (vars and EARMARK_DB are part of what partial parsing compares), so
    # every stage below starts from a partial parse as a user's repeated invocations do; then time a build
    # that selects nothing: dbt's fixed start-up without any node or hook.
    context.run("parse", log_name="parse")
    startup = context.run("build", "--select", "fqn:earmark.bench_selects_nothing", log_name="startup")

    # 3. The dbt stages.
    executed: dict[str, list[str]] = {}
    timings: dict[str, float] = {}
    for stage in DBT_STAGES:
        nodes = assignment.nodes_of(stage.name)
        selection = ["--select", *selectors(assignment, nodes), "--indirect-selection", "cautious"]
        done = context.run("build", *selection, log_name=stage.name)
        run_results = json.loads((context.target / "run_results.json").read_text())
        shutil.copy2(context.target / "run_results.json", scale_dir / f"run_results_{stage.name}.json")
        figures = _dbt_stage_figures(run_results)
        executed[stage.name] = figures.pop("executed")
        timings.update(figures.pop("timings"))
        figures.update(
            seconds=done.seconds,
            peak_rss_mb=done.peak_rss_mb,
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
        "segmentation": customers,
        "uplift": _parquet_rows(raw / "treatments.parquet"),
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
                raise RuntimeError(f"{' '.join(command[1:])} failed:\n{_log_tail(log_file)}")
            figures = {"seconds": done.seconds, "peak_rss_mb": done.peak_rss_mb, "work_seconds": done.seconds}
            note(stage, figures)

    for stage, count in rows.items():
        if stage in stages:
            stages[stage]["rows"] = count

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
        "node_seconds": figures["node_seconds"],
        "nodes": figures["nodes"],
        "rows_appended": day.rows_appended,
        "last_day": day.last_day,
        "full_build_seconds": sum(stages[stage.name]["seconds"] for stage in DBT_STAGES),
        "slowest": sorted(figures["timings"].items(), key=lambda item: -item[1])[:4],
    }
    progress(f"  scale {scale:g} incremental: {done.seconds:.1f} s, peak RSS {done.peak_rss_mb:,.0f} MB")
    return {
        "scale": scale,
        "world": world,
        "stages": stages,
        "startup_seconds": startup.seconds,
        "load_average": [load_before, os.getloadavg()[0]],
        "incremental": incremental_figures,
        "bumped": {uid: list(pair) for uid, pair in assignment.bumped.items()},
        "baselines": {
            "floor": floor_figures,
            "pandas": pandas_figures,
            "dbt_rfm_rows": len(dbt_rfm),
            "dbt_feature_stages_seconds": sum(stages[name]["seconds"] for name in FEATURE_STAGES),
            "dbt_rfm_lineage_seconds": sum(timings.get(uid, 0.0) for uid in rfm_lineage),
            "dbt_rfm_lineage_nodes": len(rfm_lineage),
        },
    }


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
    total_seconds = total_peak = 0.0
    for stage in STAGES:
        figures = result["stages"].get(stage.name, {"skipped": "not run"})
        if "skipped" in figures:
            rows.append([stage.name, "skipped: " + figures["skipped"], *[""] * (len(STAGE_HEADER) - 2)])
            continue
        total_seconds += figures["seconds"]
        total_peak = max(total_peak, figures["peak_rss_mb"])
        rows_in = figures.get("rows", 0)
        dbt = "node_seconds" in figures
        rows.append(
            [
                stage.name,
                f"{figures['seconds']:.1f}",
                _n(figures["peak_rss_mb"]),
                _n(rows_in),
                _n(rows_in / figures["seconds"]) if figures["seconds"] else "",
                str(figures["nodes"]) if dbt else "",
                f"{figures['node_seconds']:.1f}" if dbt else "",
                f"{figures['hook_seconds']:.1f}" if dbt else "",
                f"{figures['overhead_seconds']:.1f}" if dbt else "",
            ]
        )
    rows.append(["end to end", f"{total_seconds:.1f}", _n(total_peak), *[""] * (len(STAGE_HEADER) - 3)])
    return rows


# node s: time inside dbt nodes (run_results.json); check s: the on-run-start contract check; fixed s: the
# rest of the stage's wall time (interpreter and dbt start-up, parse, adapter, writing artifacts).
STAGE_HEADER = (
    "stage",
    "wall s",
    "peak RSS MB",
    "input rows",
    "rows/s",
    "dbt nodes",
    "node s",
    "check s",
    "fixed s",
)


def baseline_rows(result: Mapping[str, Any]) -> list[list[str]]:
    """One scale's feature baselines against dbt: seconds, memory, rows compared and ratio to the floor."""
    base = result["baselines"]
    floor = base["floor"]["seconds"]
    rows = [
        [
            "floor: one DuckDB query",
            f"{floor:.2f}",
            _n(base["floor"]["peak_rss_mb"]),
            _n(base["floor"]["above_start_mb"]),
            _n(base["floor"]["rows"]),
            "1.0",
        ],
        [
            "pandas",
            f"{base['pandas']['seconds']:.2f}",
            _n(base["pandas"]["peak_rss_mb"]),
            _n(base["pandas"]["above_start_mb"]),
            _n(base["pandas"]["rows"]),
            f"{base['pandas']['seconds'] / floor:.1f}",
        ],
        [
            "dbt stages " + " + ".join(FEATURE_STAGES) + " (wall)",
            f"{base['dbt_feature_stages_seconds']:.2f}",
            "",
            "",
            _n(base["dbt_rfm_rows"]),
            f"{base['dbt_feature_stages_seconds'] / floor:.1f}",
        ],
        [
            f"dbt models of +int_customer_rfm_scored ({base['dbt_rfm_lineage_nodes']} nodes, node time)",
            f"{base['dbt_rfm_lineage_seconds']:.2f}",
            "",
            "",
            _n(base["dbt_rfm_rows"]),
            f"{base['dbt_rfm_lineage_seconds'] / floor:.1f}",
        ],
    ]
    return rows


BASELINE_HEADER = (
    "RFM table computed by",
    "seconds",
    "peak RSS MB",
    "above start MB",
    "rows = dbt",
    "x floor",
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


def _incremental_line(result: Mapping[str, Any]) -> str:
    inc = result["incremental"]
    slowest = ", ".join(f"{uid.split('.')[-1]} {seconds:.1f} s" for uid, seconds in inc["slowest"])
    return (
        f"Incremental build (the last day appended, one `dbt build` of all {inc['nodes']} nodes on the "
        f"stages' warehouse): {inc['seconds']:.1f} s wall, peak RSS {inc['peak_rss_mb']:,.0f} MB, against "
        f"{inc['full_build_seconds']:.1f} s for the full build's dbt stages: "
        f"{inc['seconds'] / inc['full_build_seconds']:.2f} of it. Slowest nodes: {slowest}."
    )


def _ratio_line(result: Mapping[str, Any]) -> str:
    base = result["baselines"]
    floor = base["floor"]["seconds"]
    return (
        f"dbt/floor {base['dbt_feature_stages_seconds'] / floor:.1f} (stages, wall) and "
        f"{base['dbt_rfm_lineage_seconds'] / floor:.1f} (the RFM lineage's node time); pandas/floor "
        f"{base['pandas']['seconds'] / floor:.1f}. Both baselines equal dbt's int_customer_rfm_scored on all "
        f"{base['dbt_rfm_rows']:,} rows."
    )


def format_report(results: Sequence[Mapping[str, Any]], command: str, markdown: bool) -> str:
    """Every scale's stage and baseline tables, the growth table, the machine and the command."""
    info = machine()
    out = []
    if markdown:
        out += [
            f"`{command}`. Each stage runs in its own process; its peak RSS is that process's high-water "
            "mark, children included. The baselines run inside the benchmark process: their peak RSS is "
            "that process's, `above start` what the baseline added to it.",
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
        out.append(_table(STAGE_HEADER, stage_rows(result), markdown))
        out += [
            "",
            f"dbt start-up with nothing selected: {result['startup_seconds']:.1f} s per invocation. "
            "`node s` is time inside dbt nodes, `check s` the on-run-start contract check, `fixed s` the "
            "rest of a stage's wall time (start-up, parse, artifacts).",
            "",
        ]
        out.append(_table(BASELINE_HEADER, baseline_rows(result), markdown))
        out += ["", _ratio_line(result), ""]
        if result.get("incremental"):
            out += [_incremental_line(result), ""]
    if len(results) > 1:
        heading = f"Cost growth from scale {results[0]['scale']:g} to scale {results[-1]['scale']:g}"
        out += [f"### {heading}" if markdown else heading, ""]
        out.append(_table(GROWTH_HEADER, growth_rows(results), markdown))
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


def run_bench(
    scales: Sequence[float],
    work: Path,
    project: Path,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Parse the project, assign and check the stages, then benchmark every scale, smallest first."""
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
        result = bench_scale(scale, work, project, assignment, manifest, seed=seed, progress=progress)
        (work / f"scale-{scale:g}" / "bench.json").write_text(json.dumps(result, indent=1, default=str))
        results.append(result)
    return results
