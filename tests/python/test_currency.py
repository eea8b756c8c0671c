"""The report's currency: the dbt var `currency` becomes the site's money formats, with the symbol a reader
expects, the code written out where there is none, and a clear error for anything but an ISO 4217 code."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BIN

from earmark.reporting.currency import currency_prefix, money_formats, write_money_formats

pytestmark = pytest.mark.unit


def test_common_currencies_get_their_symbol_and_others_their_code() -> None:
    assert [currency_prefix(code) for code in ("USD", "GBP", "EUR", "JPY")] == ["$", "£", "€", "¥"]
    assert currency_prefix("CHF") == "CHF "
    formats = {f["formatTag"]: f["formatCode"] for f in money_formats("GBP")}
    assert formats == {"money0": '"£"#,##0', "money2": '"£"#,##0.00'}
    assert money_formats("CHF")[0]["formatCode"] == '"CHF "#,##0'


@pytest.mark.parametrize("bad", ["gbp", "£", "POUND", "", None, 826])
def test_anything_but_an_iso_code_is_refused_naming_the_var(bad: object) -> None:
    with pytest.raises(ValueError, match=r"dbt var currency: .* is not a three-letter ISO 4217 code"):
        currency_prefix(bad)  # type: ignore[arg-type]


def _warehouse(path: Path, currency_json: str | None) -> Path:
    with duckdb.connect(str(path)) as con:
        con.sql("create table run_parameters (parameter_name varchar, parameter_value varchar)")
        if currency_json is not None:
            con.execute("insert into run_parameters values ('currency', ?)", [currency_json])
    return path


def test_the_formats_file_follows_the_warehouse(tmp_path: Path) -> None:
    out = tmp_path / "customization" / "custom-formatting.json"
    assert write_money_formats(_warehouse(tmp_path / "gbp.duckdb", '"GBP"'), out) == "GBP"
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["version"] == "1.0"
    assert [f["formatCode"] for f in written["customFormats"]] == ['"£"#,##0', '"£"#,##0.00']
    # a warehouse built before the var existed: dollars, as the site always showed
    assert write_money_formats(_warehouse(tmp_path / "old.duckdb", None), out) == "USD"


def test_the_command_exits_1_with_the_reason_on_a_bad_code(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "bad.duckdb", '"pounds"')
    out = tmp_path / "formats.json"
    done = subprocess.run(
        [str(BIN / "earmark"), "report-formats", "--db", str(db), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "dbt var currency: 'pounds' is not a three-letter ISO 4217 code" in done.stderr
    assert not out.exists()
