"""The extra inputs the report site is built from in tests/report/test_site_inputs.py: Online Retail
(transactions only, no campaign, no truth) and Hillstrom (a campaign, no transactions), each converted
from EARMARK_DATASETS by `earmark ingest`, cut to a seeded sample of customers so the site (one page per
account) builds in minutes, and given a few account references that need escaping in URLs and queries.

`prepare_input` writes the raw directory, `build_warehouse` runs `dbt build` on it, `build_site` extracts
the report's sources and builds the site, moved out of reports/build into the input's own folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = PROJECT_ROOT / ".venv" / "bin"
REPORTS = PROJECT_ROOT / "reports"

# Account references a real CRM holds that are awkward in a URL, a file name or a SQL literal.
AWKWARD_ACCOUNTS = ("ACME/UK", "O'Brien & Sons", "50% off? #1", "Müller.GmbH", "..")


@dataclass(frozen=True)
class SiteInput:
    """One extra input: its name (also the raw directory's name), the data set's file under
    EARMARK_DATASETS, how many customers the sample keeps, and the currency its amounts are in."""

    name: str
    ingest: str
    dataset_file: str
    customers: int
    awkward_accounts: bool = False
    currency: str = "USD"


INPUTS = (
    # a UK shop: its prices are in pounds
    SiteInput(
        "online_retail", "online-retail", "online_retail/online_retail.parquet", customers=500, currency="GBP"
    ),
    SiteInput("hillstrom", "hillstrom", "hillstrom/hillstrom.csv", customers=1000, awkward_accounts=True),
)


def run(command: list[str], cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None) -> None:
    """Run a command; on failure raise with its last output lines (what a test report should show)."""
    done = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-60:])
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{tail}")


def _sample(raw: Path, customers: int, awkward_accounts: bool) -> None:
    """Keep the first `customers` customer references (by a seeded hash) in every file that has them,
    and a matching share of the lines without a customer."""
    with duckdb.connect() as con:
        path = str(raw / "customers.parquet")
        total = con.execute("select count(distinct customer_ref) from read_parquet(?)", [path]).fetchall()[0][
            0
        ]
        con.execute(
            "create table kept as select distinct customer_ref from read_parquet(?) "
            "order by hash(customer_ref || ':site-sample'), customer_ref limit ?",
            [path, customers],
        )
        share = customers / max(total, 1)
        for file in sorted(raw.glob("*.parquet")):
            columns = [
                row[0]
                for row in con.execute("describe select * from read_parquet(?)", [str(file)]).fetchall()
            ]
            if "customer_ref" not in columns:
                continue
            per_million = int(share * 1e6)
            keep_unattributed = (
                f"or (customer_ref is null and hash(coalesce(invoice_ref, '')) % 1000000 < {per_million})"
                if "invoice_ref" in columns
                else ""
            )
            select = (
                f"select * from read_parquet('{file}') where customer_ref in (select customer_ref from kept) "
                f"{keep_unattributed}"
            )
            if file.stem == "customers" and awkward_accounts:
                # Two customers in each awkward account, so every account page has more than one user.
                select = (
                    "select * replace (case (row_number() over (order by customer_ref) - 1) // 2 "
                    + " ".join(
                        f"when {i} then '{ref.replace(chr(39), chr(39) * 2)}'"
                        for i, ref in enumerate(AWKWARD_ACCOUNTS)
                    )
                    + f" else account_ref end as account_ref) from ({select})"
                )
            tmp = file.with_suffix(".sampled")
            con.execute(f"copy ({select}) to '{tmp}' (format parquet)")
            tmp.replace(file)


def prepare_input(site_input: SiteInput, datasets: Path, work: Path) -> Path:
    """The raw directory of site_input under work (ingested and sampled once; reused when present)."""
    raw = work / site_input.name
    marker = raw / ".prepared"
    if marker.is_file() and marker.read_text() == repr(site_input):
        return raw
    if raw.exists():
        shutil.rmtree(raw)
    run(
        [
            str(BIN / "earmark"),
            "ingest",
            site_input.ingest,
            str(datasets / site_input.dataset_file),
            "--out",
            str(raw),
        ]
    )
    _sample(raw, site_input.customers, site_input.awkward_accounts)
    run([str(BIN / "earmark"), "validate", str(raw)])
    marker.write_text(repr(site_input))
    return raw


def build_warehouse(raw: Path, db: Path, currency: str = "USD") -> None:
    """`dbt build` of raw into db (the raw directory given as an absolute path, as a user might)."""
    db.unlink(missing_ok=True)
    run(
        [
            str(BIN / "dbt"),
            "build",
            "--quiet",
            "--vars",
            f'{{raw_dir: "{raw.resolve()}", currency: {currency}}}',
        ],
        env={
            "EARMARK_DB": str(db),
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        },
    )


def build_site(db: Path, out: Path) -> None:
    """Extract the report's sources from db and build the site (as `make report` does) into out."""
    relative = os.path.relpath(db.resolve(), REPORTS / "sources" / "earmark")
    formats = REPORTS / ".evidence" / "customization" / "custom-formatting.json"
    run([str(BIN / "earmark"), "report-formats", "--db", str(db), "--out", str(formats)])
    run(
        ["npm", "run", "--silent", "sources:strict"],
        cwd=REPORTS,
        env={"EVIDENCE_SOURCE__earmark__filename": relative},
    )
    shutil.rmtree(REPORTS / "build", ignore_errors=True)
    run(["npm", "run", "--silent", "build:strict"], cwd=REPORTS)
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(REPORTS / "build"), str(out))
