"""CDNOW ingest: a small whitespace-separated file (a 0-dollar line, a repeated line), errors that name the
line, and the real sample."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from earmark import contract
from earmark.cli import main
from earmark.contract.validate import validate_dir
from earmark.ingest.cdnow import ingest_cdnow, read_cdnow

pytestmark = pytest.mark.unit

LINES = [
    " 00004 0001 19970101  2   29.33",
    " 00004 0001 19970118  2   29.73",
    " 00004 0001 19970118  2   29.73",  # the same line twice: kept as two lines
    " 01101 0087 19970105  1    0.00",  # a free CD: kept, for cleaning to exclude
    " 00021 0002 19970101  3   63.34",
]


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_small_file_becomes_the_contract(tmp_path):
    counts = ingest_cdnow(_write(tmp_path / "CDNOW_sample.txt", LINES), tmp_path / "raw")
    assert counts == {
        "customers": 3,
        "transactions": 5,
        "accounts": 0,
        "activity": 0,
        "treatments": 0,
        "outcomes": 0,
    }
    tx = pq.read_table(tmp_path / "raw" / "transactions.parquet")
    assert tx.schema.equals(contract.arrow_schema(contract.TRANSACTIONS))
    rows = tx.to_pylist()
    assert [r["invoice_ref"] for r in rows] == [f"line-{i}" for i in range(1, 6)]
    assert rows[0]["customer_ref"] == "00004" and rows[0]["quantity"] == 2
    assert rows[0]["quantity"] * rows[0]["unit_price"] == pytest.approx(29.33)
    assert str(rows[0]["invoiced_at"]) == "1997-01-01 00:00:00"
    assert rows[3]["unit_price"] == 0.0
    customers = pq.read_table(tmp_path / "raw" / "customers.parquet").to_pylist()
    assert [(c["customer_ref"], str(c["signup_at"].date())) for c in customers] == [
        ("00004", "1997-01-01"),
        ("00021", "1997-01-01"),
        ("01101", "1997-01-05"),
    ]
    assert customers[0]["email"] is None and customers[0]["country"] is None
    assert validate_dir(tmp_path / "raw") == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (" 00004 0001 19970101  2", "line 2: expected 5 fields, found 4"),
        (" 00004 0001 19971301  2   29.33", "line 2: day '19971301'"),
        (" 00004 0001 19970101  1.5 29.33", "line 2: CDs '1.5'"),
        (" 00004 0001 19970101  2  -3.00", "line 2: dollars '-3.00'"),
    ],
)
def test_bad_lines_are_named(tmp_path, line, message):
    source = _write(tmp_path / "bad.txt", [LINES[0], line])
    with pytest.raises(ValueError, match=message):
        read_cdnow(source)


def test_cli_command(tmp_path, capsys):
    source = _write(tmp_path / "CDNOW_sample.txt", LINES)
    assert main(["ingest", "cdnow", str(source), "--out", str(tmp_path / "raw")]) == 0
    assert "transactions 5" in capsys.readouterr().out


@pytest.mark.integration
def test_real_file(datasets_dir, tmp_path):
    counts = ingest_cdnow(datasets_dir / "cdnow_sample" / "CDNOW_sample.txt", tmp_path / "raw")
    assert counts["transactions"] == 6919 and counts["customers"] == 2357
    lines = read_cdnow(datasets_dir / "cdnow_sample" / "CDNOW_sample.txt")
    assert int((lines["dollars"] == 0).sum()) == 8 and int((lines["cds"] == 0).sum()) == 0
    assert str(lines["purchased_at"].min().date()) == "1997-01-01"
    assert str(lines["purchased_at"].max().date()) == "1998-06-30"
    assert validate_dir(tmp_path / "raw") == []
