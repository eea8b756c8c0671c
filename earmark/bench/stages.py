"""The benchmark's stages: the project's layers as groups of dbt nodes, each run as its own process, and
the checks that together they are exactly one plain `dbt build`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

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
        "customer_value",
        "purchase days, BG/NBD and Gamma-Gamma fits, CLV, the value marts",
        ("models/intermediate/value/", "models/marts/value/"),
        "resolved customers",
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
        "churn",
        "churn classifier out of fold, customer churn drivers, uplift drivers per account, churn marts",
        ("models/intermediate/churn/", "models/marts/churn/"),
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
