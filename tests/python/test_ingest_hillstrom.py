"""Hillstrom ingest: a tiny synthetic file, errors that name file and column, and the real experiment."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from earmark import contract
from earmark.cli import main
from earmark.contract.validate import validate_dir
from earmark.ingest.hillstrom import customers_schema, ingest_hillstrom, outcomes_schema

pytestmark = pytest.mark.unit

HEADER = "recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend"
ROWS = [
    "10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0",
    "6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,1,0,0",
    '9,"6) $750 - $1,000",675.83,1,0,Rural,1,Web,Mens E-Mail,1,1,29.99',
]

# Per-arm figures of the README's table: customers, visit, conversion, spend per customer.
README_ARMS = {
    "mens_email": (21_307, 0.1828, 0.0125, 1.4226),
    "womens_email": (21_387, 0.1514, 0.0088, 1.0772),
    "control": (21_306, 0.1062, 0.0057, 0.6528),
}


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_small_file_becomes_the_contract(tmp_path):
    source = _write(tmp_path / "hillstrom.csv", [HEADER, *ROWS])
    counts = ingest_hillstrom(source, tmp_path / "raw")
    assert counts == {
        "customers": 3,
        "treatments": 3,
        "outcomes": 3,
        "transactions": 0,
        "accounts": 0,
        "activity": 0,
    }
    raw = tmp_path / "raw"
    customers = pq.read_table(raw / "customers.parquet")
    assert customers.schema.equals(customers_schema())
    assert customers.schema.names[len(contract.CUSTOMERS.columns) :] == [
        "recency",
        "history_segment",
        "history",
        "mens",
        "womens",
        "zip_code",
        "newbie",
        "purchase_channel",
    ]
    assert customers.column("customer_ref").to_pylist() == ["H00001", "H00002", "H00003"]
    assert customers.to_pylist()[2] == {
        "customer_ref": "H00003",
        "email": None,
        "account_ref": None,
        "role": None,
        "signup_at": None,
        "country": None,
        "is_premium": None,
        "recency": 9,
        "history_segment": "6) $750 - $1,000",
        "history": 675.83,
        "mens": 1,
        "womens": 0,
        "zip_code": "Rural",
        "newbie": 1,
        "purchase_channel": "Web",
    }

    treatments = pq.read_table(raw / "treatments.parquet")
    assert treatments.schema.equals(contract.arrow_schema(contract.TREATMENTS))
    start = datetime(2008, 3, 1)
    assert treatments.to_pylist() == [
        {
            "campaign_id": "hillstrom_email_2008",
            "customer_ref": ref,
            "eligible": True,
            "treated": treated,
            "arm": arm,
            "channel": channel,
            "treated_at": start,
        }
        for ref, treated, arm, channel in (
            ("H00001", True, "womens_email", "email"),
            ("H00002", False, "control", None),
            ("H00003", True, "mens_email", "email"),
        )
    ]

    outcomes = pq.read_table(raw / "outcomes.parquet")
    assert outcomes.schema.equals(outcomes_schema())
    assert outcomes.schema.field("visited").type == pa.bool_()
    assert outcomes.to_pylist()[1:] == [
        {
            "campaign_id": "hillstrom_email_2008",
            "customer_ref": "H00002",
            "converted": False,
            "revenue": 0.0,
            "churned": None,
            "outcome_at": datetime(2008, 3, 15),
            "visited": True,
        },
        {
            "campaign_id": "hillstrom_email_2008",
            "customer_ref": "H00003",
            "converted": True,
            "revenue": 29.99,
            "churned": None,
            "outcome_at": datetime(2008, 3, 15),
            "visited": True,
        },
    ]
    for entity in (contract.TRANSACTIONS, contract.ACCOUNTS, contract.ACTIVITY):
        empty = pq.read_table(raw / entity.file_name)
        assert empty.num_rows == 0 and empty.schema.equals(contract.arrow_schema(entity))
    assert validate_dir(raw) == []


def test_headers_match_ignoring_case_and_spaces(tmp_path):
    header = ",".join(f" {name.upper()} " for name in HEADER.split(","))
    source = _write(tmp_path / "upper.csv", [header, *ROWS])
    assert ingest_hillstrom(source, tmp_path / "raw")["customers"] == 3
    assert validate_dir(tmp_path / "raw") == []


def test_errors_name_file_and_column(tmp_path):
    no_segment = _write(
        tmp_path / "no_segment.csv",
        [HEADER.replace(",segment", ""), "10,2) $100 - $200,142.44,1,0,Rural,0,Phone,0,0,0"],
    )
    with pytest.raises(ValueError, match=r"no_segment\.csv: missing column 'segment'"):
        ingest_hillstrom(no_segment, tmp_path / "raw")
    bad_arm = _write(tmp_path / "bad_arm.csv", [HEADER, ROWS[0], ROWS[1].replace("No E-Mail", "SMS")])
    with pytest.raises(ValueError, match=r"bad_arm\.csv: column 'segment': 1 values .*'SMS' on line 3"):
        ingest_hillstrom(bad_arm, tmp_path / "raw")
    bad_flag = _write(tmp_path / "bad_flag.csv", [HEADER, ROWS[2].replace(",1,1,29.99", ",1,2,29.99")])
    with pytest.raises(ValueError, match=r"bad_flag\.csv: column 'conversion': 1 values are not 0 or 1"):
        ingest_hillstrom(bad_flag, tmp_path / "raw")
    bad_number = _write(tmp_path / "bad_number.csv", [HEADER, ROWS[0].replace("142.44", "lots")])
    with pytest.raises(ValueError, match=r"bad_number\.csv: column 'history': 1 values are not numbers"):
        ingest_hillstrom(bad_number, tmp_path / "raw")
    with pytest.raises(FileNotFoundError):
        ingest_hillstrom(tmp_path / "absent.csv", tmp_path / "raw")


def test_cli(tmp_path, capsys):
    source = _write(tmp_path / "hillstrom.csv", [HEADER, *ROWS])
    assert main(["ingest", "hillstrom", str(source), "--out", str(tmp_path / "raw")]) == 0
    out = capsys.readouterr().out
    assert "customers 3" in out and "treatments 3" in out and "outcomes 3" in out


@pytest.mark.integration
def test_real_file(datasets_dir, tmp_path):
    raw = tmp_path / "raw"
    counts = ingest_hillstrom(datasets_dir / "hillstrom" / "hillstrom.csv", raw)
    assert counts["customers"] == counts["treatments"] == counts["outcomes"] == 64_000
    assert validate_dir(raw) == []

    # The README's per-arm table, recomputed from the written files through the contract columns
    # (arm, converted, revenue) and the extra outcome visited.
    per_arm = duckdb.sql(
        f"""
        select t.arm, count(*), avg(o.visited::int), avg(o.converted::int), avg(o.revenue),
               bool_and(t.treated = (t.arm <> 'control')), count(distinct t.customer_ref)
        from read_parquet('{raw / "treatments.parquet"}') as t
        join read_parquet('{raw / "outcomes.parquet"}') as o using (campaign_id, customer_ref)
        group by t.arm
        """
    ).fetchall()
    assert {row[0] for row in per_arm} == set(README_ARMS)
    for arm, n, visit, conversion, spend, consistent, distinct in per_arm:
        expected_n, expected_visit, expected_conversion, expected_spend = README_ARMS[arm]
        assert n == distinct == expected_n, arm
        assert consistent, arm
        assert visit == pytest.approx(expected_visit, abs=5e-5), arm
        assert conversion == pytest.approx(expected_conversion, abs=5e-5), arm
        assert spend == pytest.approx(expected_spend, abs=5e-5), arm

    customers = pq.read_table(raw / "customers.parquet")
    refs = customers.column("customer_ref").to_pylist()
    assert refs[0] == "H00001" and refs[-1] == "H64000" and len(set(refs)) == 64_000
    assert set(customers.column("zip_code").to_pylist()) == {"Surburban", "Rural", "Urban"}
    assert set(customers.column("purchase_channel").to_pylist()) == {"Phone", "Web", "Multichannel"}
