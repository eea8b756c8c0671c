"""What `earmark summary` prints at the end of `make build`: the decision, the two verdicts, the raw rows
of each input reconciled, and where to look next.

Every section reads one mart and says so when the mart is missing (a partial build, or an older
warehouse), so the summary never fails on what it cannot show. Colour only on a terminal and never when
NO_COLOR is set (https://no-color.org), so logs and pipes get plain text.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

import duckdb

# The effort each action costs, most first: the order a reader scans the decision in.
ACTIONS = ("human_outreach", "automated_nudge", "cs_health_check", "do_not_disturb", "holdout", "no_action")
OUTCOME_ORDER = ("kept", "excluded")
SUMMARY_MARTS = (
    "account_actions",
    "policy_comparison",
    "segmentation_verdict",
    "uplift_verdict",
    "data_quality",
)
DEFAULT_SITE = Path("reports/build")
DEFAULT_PORT = "4173"


def use_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only for a terminal, and not when NO_COLOR is set to anything but empty or TERM is dumb."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Style:
    """ANSI SGR codes when enabled, the text unchanged otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def heading(self, text: str) -> str:
        return self._wrap("1", text)

    def warn(self, text: str) -> str:
        return self._wrap("1;33", text)

    def bad(self, text: str) -> str:
        return self._wrap("1;31", text)


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _table(rows: list[tuple[str, ...]], align: str, separators: tuple[str, ...] = ()) -> list[str]:
    """Rows as aligned columns: align holds 'l' or 'r' per column; separators go between columns (two
    spaces where none is given)."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(align))]
    lines = []
    for row in rows:
        line = "  "
        for i, (cell, width, side) in enumerate(zip(row, widths, align, strict=True)):
            line += cell.ljust(width) if side == "l" else cell.rjust(width)
            if i < len(align) - 1:
                line += separators[i] if i < len(separators) else "  "
        lines.append(line.rstrip())
    return lines


def decision_lines(con: duckdb.DuckDBPyConnection, present: set[str], style: Style) -> list[str]:
    lines = []
    if "account_actions" in present:
        counts = dict(con.sql("select action, count(*) from main.account_actions group by action").fetchall())
        total = sum(counts.values())
        lines.append(style.heading(f"Decision: {total:,} accounts, one action each"))
        # Every action, even at zero, so a reader sees what was possible; unknown ones after.
        ordered = [*ACTIONS, *sorted(set(counts) - set(ACTIONS))]
        rows = [
            (action, f"{counts.get(action, 0):,}", f"{counts.get(action, 0) / total:.1%}" if total else "")
            for action in ordered
        ]
        lines += _table(rows, "lrr")
    else:
        lines.append(style.heading("Decision"))
        lines.append("  account_actions missing: no decision to show")
    lines.append("  " + policy_value_line(con, present))
    return lines


def policy_value_line(con: duckdb.DuckDBPyConnection, present: set[str]) -> str:
    label = "Earmark policy net value:"
    if "policy_comparison" not in present:
        return f"{label} not estimable (policy_comparison missing)"
    row = con.sql(
        "select dr_net_value, dr_net_ci_low, dr_net_ci_high from main.policy_comparison "
        "where policy = 'earmark'"
    ).fetchall()
    if not row or row[0][0] is None:
        return f"{label} not estimable (no campaign to evaluate it on)"
    value, low, high = row[0]
    interval = "" if low is None or high is None else f" (95% interval {_money(low)} to {_money(high)})"
    return f"{label} {_money(value)}{interval}"


def verdict_lines(con: duckdb.DuckDBPyConnection, present: set[str], style: Style) -> list[str]:
    return [
        style.heading("Verdicts"),
        *_table([segmentation_verdict(con, present), uplift_verdict(con, present)], "ll"),
    ]


def segmentation_verdict(con: duckdb.DuckDBPyConnection, present: set[str]) -> tuple[str, str]:
    label = "segmentation"
    if "segmentation_verdict" not in present:
        return label, "segmentation_verdict missing"
    rows = con.sql(
        "select criterion, passed, verdict, detail from main.segmentation_verdict order by criterion"
    ).fetchall()
    overall = [row for row in rows if row[0] == "overall"]
    criteria = [row for row in rows if row[0] != "overall"]
    if not overall:
        return label, "no overall row in segmentation_verdict"
    passed = [name for name, ok, _, _ in criteria if ok]
    failed = [name for name, ok, _, _ in criteria if not ok]
    text = f"{overall[0][2]}: {len(passed)} of {len(criteria)} criteria passed"
    detail = overall[0][3] or ""
    if "not estimable" in detail:
        text += " (" + detail[detail.index("not estimable") :].rstrip(")") + ")"
    elif passed and failed:
        text += f"; failed: {', '.join(failed)}"
    return label, text


def uplift_verdict(con: duckdb.DuckDBPyConnection, present: set[str]) -> tuple[str, str]:
    label = "uplift"
    if "uplift_verdict" not in present:
        return label, "uplift_verdict missing"
    arms = con.sql("select arm, decision from main.uplift_verdict order by arm").fetchall()
    if not arms:
        return label, "no treatment arm (no campaign in the input)"
    return label, ", ".join(f"{arm}: {decision}" for arm, decision in arms)


def data_quality_lines(con: duckdb.DuckDBPyConnection, present: set[str], style: Style) -> list[str]:
    lines = [style.heading("Data quality: raw rows = kept + excluded, per input")]
    if "data_quality" not in present:
        return [*lines, "  data_quality missing: no reconciliation to show"]
    found = con.sql(
        "select input_file, max(input_rows), row_outcome, sum(rows_assigned) from main.data_quality "
        "group by input_file, row_outcome order by input_file"
    ).fetchall()
    inputs: dict[str, tuple[int, dict[str, int]]] = {}
    for input_file, raw, outcome, rows in found:
        previous_raw, outcomes = inputs.get(input_file, (0, {}))
        outcomes[outcome] = int(rows or 0)
        inputs[input_file] = (max(previous_raw, int(raw or 0)), outcomes)
    outcome_names = [
        *OUTCOME_ORDER,
        *sorted({o for _, outs in inputs.values() for o in outs} - {*OUTCOME_ORDER}),
    ]
    rows = [
        (input_file, f"{raw:,} raw", *(f"{outcomes.get(name, 0):,} {name}" for name in outcome_names))
        for input_file, (raw, outcomes) in inputs.items()
    ]
    separators = ("  ", " = ", *[" + "] * (len(outcome_names) - 1))
    table = _table(rows, "l" + "r" * (len(outcome_names) + 1), separators)
    for line, (raw, outcomes) in zip(table, inputs.values(), strict=True):
        gap = raw - sum(outcomes.values())
        if gap:
            off = f"{gap:,} raw rows unaccounted for" if gap > 0 else f"{-gap:,} rows more than raw"
            line += "  " + style.bad(f"DOES NOT ADD UP: {off}")
        elif raw == 0:
            line += "  (empty input)"
        lines.append(line)
    return lines


def where_lines(db: Path, site: Path, port: str, style: Style) -> list[str]:
    built = (site / "index.html").is_file()
    site_note = "" if built else "  (not built yet: make report)"
    return [
        style.heading("Where"),
        *_table(
            [
                ("warehouse", _shown(db)),
                ("report site", _shown(site) + site_note),
                ("serve it", f"make serve-report, then open http://127.0.0.1:{port}/"),
            ],
            "ll",
        ),
    ]


def _shown(path: Path) -> str:
    """The path relative to the working directory (the project, under make) when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def summary_lines(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    *,
    problem: str | None,
    site: Path = DEFAULT_SITE,
    port: str | None = None,
    colour: bool = False,
) -> list[str]:
    """The summary of the warehouse con reads (at db), top to bottom: the last build's problem and missing
    marts, the decision, the verdicts, the data-quality reconciliation, where to look next."""
    style = Style(colour)
    present = {
        row[0]
        for row in con.sql(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }
    lines = [f"Earmark warehouse: {db.resolve()}"]
    if problem:
        lines.append("  " + style.warn("WARNING:") + f" {problem}")
    missing = [mart for mart in SUMMARY_MARTS if mart not in present]
    if missing:
        lines.append(
            "  " + style.warn("Missing marts:") + f" {', '.join(missing)} (a partial build? run `make build`)"
        )
    sections: list[tuple[str, Callable[[], list[str]]]] = [
        ("Decision", lambda: decision_lines(con, present, style)),
        ("Verdicts", lambda: verdict_lines(con, present, style)),
        ("Data quality", lambda: data_quality_lines(con, present, style)),
    ]
    for name, section in sections:
        try:
            lines += ["", *section()]
        except duckdb.Error as error:
            # A mart of another shape (an older build): say so and show the rest.
            lines += ["", style.heading(name), f"  could not be read: {str(error).splitlines()[0]}"]
    lines += ["", *where_lines(db, site, port or os.environ.get("REPORT_PORT") or DEFAULT_PORT, style)]
    return lines
