"""Earmark installed as a dbt package beside a company's own models (README "Installing Earmark as a dbt
package"): a scratch project lists it as a `local:` package, refers to its public marts with the
two-argument ref, and builds both on a small simulated world. Every account gets one action, as in
Earmark's own project."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import BIN, PROJECT_ROOT, query

from earmark.simulate import simulate_world

pytestmark = pytest.mark.integration

SCRATCH_PROJECT = """
name: acme
version: "1.0.0"
profile: acme
models:
  acme:
    +materialized: table
"""

SCRATCH_PROFILE = """
acme:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: {db}
      threads: 2
"""

# A model of the company's own, on Earmark's public account mart.
ACCOUNTS_TO_CALL = """
select account_id, reason
from {{ ref('earmark', 'account_actions') }}
where action = 'human_outreach'
"""


def dbt(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_PROFILES_DIR": str(project), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    env.pop("EARMARK_DB", None)
    done = subprocess.run([str(BIN / "dbt"), *args], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
    return done


def test_a_project_that_installs_earmark_builds_it_and_its_own_models(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    simulate_world(raw, seed=11, scale=0.1)
    project = tmp_path / "acme"
    (project / "models").mkdir(parents=True)
    db = tmp_path / "acme.duckdb"
    (project / "dbt_project.yml").write_text(SCRATCH_PROJECT)
    (project / "profiles.yml").write_text(SCRATCH_PROFILE.format(db=json.dumps(str(db))))
    (project / "packages.yml").write_text(f"packages:\n  - local: {json.dumps(str(PROJECT_ROOT))}\n")
    (project / "models" / "accounts_to_call.sql").write_text(ACCOUNTS_TO_CALL)

    dbt(project, "deps")
    dbt(project, "build", "--vars", json.dumps({"raw_dir": str(raw)}))

    accounts = pq.read_metadata(raw / "accounts.parquet").num_rows
    assert query(db, "select count(*), count(distinct account_id) from main.account_actions") == [
        (accounts, accounts)
    ]
    calls = query(db, "select count(*) from main.account_actions where action = 'human_outreach'")[0][0]
    assert query(db, "select count(*), count(reason) from main.accounts_to_call") == [(calls, calls)]
