"""The currency the report labels money with: the dbt var `currency` (an ISO 4217 code) as the build
recorded it in `run_parameters`, turned into the site's custom number formats `money0` and `money2`.

Earmark converts nothing: the input's amounts are in one currency, and the pages say which. The pages use
`fmt=money0` / `fmt=money2`; Evidence reads the formats from `.evidence/customization/custom-formatting.json`,
which `write_money_formats` writes before each site build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from earmark.reporting.warehouse import connect_read_only

# The symbol a reader expects before the amount; any other valid code is written out ("CHF 1,234").
SYMBOLS = {
    "USD": "$",
    "GBP": "£",
    "EUR": "€",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "BRL": "R$",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "MXN": "MX$",
}
ISO_CODE = re.compile(r"[A-Z]{3}")


def currency_prefix(code: str) -> str:
    """What goes before an amount in `code`; a clear error for anything that is not an ISO 4217 code."""
    if not isinstance(code, str) or not ISO_CODE.fullmatch(code):
        raise ValueError(
            f"dbt var currency: {code!r} is not a three-letter ISO 4217 code in capitals (USD, GBP, EUR, ...)"
        )
    return SYMBOLS.get(code, f"{code} ")


def money_formats(code: str) -> list[dict[str, str]]:
    """Evidence custom formats for whole and two-decimal amounts in `code` (Excel-style format codes)."""
    prefix = json.dumps(currency_prefix(code), ensure_ascii=False)  # a quoted literal in the format code
    return [
        {"formatTag": "money0", "formatCode": f"{prefix}#,##0", "valueType": "number"},
        {"formatTag": "money2", "formatCode": f"{prefix}#,##0.00", "valueType": "number"},
    ]


def warehouse_currency(db: Path) -> str:
    """The currency the build of `db` ran with (run_parameters); USD for a warehouse built before the var."""
    with connect_read_only(db) as con:
        rows = con.sql(
            "select parameter_value from main.run_parameters where parameter_name = 'currency'"
        ).fetchall()
    return json.loads(rows[0][0]) if rows else "USD"


def write_money_formats(db: Path, out: Path) -> str:
    """Write the site's custom formats for the warehouse's currency to `out`; return the currency."""
    code = warehouse_currency(db)
    out.parent.mkdir(parents=True, exist_ok=True)
    settings = {"version": "1.0", "customFormats": money_formats(code)}
    out.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return code
