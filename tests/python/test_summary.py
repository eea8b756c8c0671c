"""`earmark summary` on small hand-made warehouses: the figures it prints are the marts' own, a partial
warehouse is summarised rather than refused, and colour appears only on a terminal without NO_COLOR."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from earmark.cli import main
from earmark.reporting import summary as summary_module
from earmark.reporting.summary import SUMMARY_MARTS, use_colour

pytestmark = pytest.mark.unit

ACTIONS = [("human_outreach", 2), ("automated_nudge", 5), ("holdout", 1), ("no_action", 2)]
VERDICT_CRITERIA = [
    ("silhouette", 0.31, 0.25, True, None, "separation"),
    ("min_cluster_jaccard", 0.42, 0.75, False, None, "stability"),
    ("smallest_cluster_share", 0.08, 0.05, True, None, "size"),
    ("best_effect_size", 0.70, 0.14, True, None, "effect"),
    ("overall", 3.0, 4.0, False, "standardize", "failed: min_cluster_jaccard; treat customers the same way"),
]
# input_file, row_outcome, rule, rows_assigned, input_rows
DATA_QUALITY = [
    ("transactions", "kept", "kept_sale", 900, 1000),
    ("transactions", "excluded", "exact_duplicate", 60, 1000),
    ("transactions", "excluded", "return", 40, 1000),
    ("customers", "kept", "kept_record", 118, 120),
    ("customers", "kept", "implausible_signup", 2, 120),
    ("customers", "excluded", "duplicate_record", 0, 120),
    ("activity", "kept", "kept_activity", 0, 0),
    ("activity", "excluded", "malformed", 0, 0),
]


def make_warehouse(path: Path, *, marts: set[str] | None = None, campaign: bool = True, **rows: list) -> Path:
    """A DuckDB file holding the marts the summary reads, as tables of hand-made rows; marts=None: all."""
    wanted = set(SUMMARY_MARTS) if marts is None else marts
    con = duckdb.connect(str(path))
    if "account_actions" in wanted:
        con.sql("create table account_actions (account_id varchar, action varchar)")
        for action, count in rows.get("actions", ACTIONS):
            for i in range(count):
                con.execute("insert into account_actions values (?, ?)", [f"{action}-{i}", action])
    if "policy_comparison" in wanted:
        con.sql(
            "create table policy_comparison (policy varchar, dr_net_value double, dr_net_ci_low double, "
            "dr_net_ci_high double)"
        )
        if campaign:
            con.sql(
                "insert into policy_comparison values ('blind', 900, -50, 1800), "
                "('earmark', 1234.6, -100.2, 2569.5)"
            )
    if "uplift_verdict" in wanted:
        con.sql("create table uplift_verdict (arm varchar, decision varchar, reason varchar)")
        if campaign:
            con.sql(
                "insert into uplift_verdict values ('nudge', 'treat_all', 'does not validate'), "
                "('human_outreach', 'differentiate', 'validates')"
            )
    if "segmentation_verdict" in wanted:
        con.sql(
            "create table segmentation_verdict (criterion varchar, value double, threshold double, "
            "passed boolean, verdict varchar, detail varchar)"
        )
        con.executemany("insert into segmentation_verdict values (?, ?, ?, ?, ?, ?)", VERDICT_CRITERIA)
    if "data_quality" in wanted:
        con.sql(
            "create table data_quality (input_file varchar, row_outcome varchar, rule varchar, "
            "rows_assigned bigint, input_rows hugeint)"
        )
        con.executemany(
            "insert into data_quality values (?, ?, ?, ?, ?)", rows.get("data_quality", DATA_QUALITY)
        )
    if "run_status" in rows:
        con.sql(
            "create table run_status (status varchar, input_name varchar, command varchar, "
            "started_at timestamp, finished_at timestamp, failure_detail varchar)"
        )
        con.executemany("insert into run_status values (?, ?, ?, ?, ?, ?)", rows["run_status"])
    con.close()
    return path


def summary(db: Path, capsys: pytest.CaptureFixture, *extra: str) -> list[str]:
    assert main(["summary", "--db", str(db), *extra]) == 0
    return capsys.readouterr().out.splitlines()


def section(lines: list[str], heading: str) -> list[str]:
    """The indented lines under the heading that starts with `heading`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("REPORT_PORT", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_the_decision_is_the_accounts_per_action_and_earmarks_net_value(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    lines = summary(make_warehouse(tmp_path / "w.duckdb"), capsys)
    assert "Decision: 10 accounts, one action each" in lines
    decision = section(lines, "Decision")
    counts = {line.split()[0]: line.split()[1:] for line in decision if not line.startswith("  Earmark")}
    # every action in effort order, zeros included, each with its share of the accounts
    assert list(counts) == [
        "human_outreach",
        "automated_nudge",
        "cs_health_check",
        "do_not_disturb",
        "holdout",
        "no_action",
    ]
    assert counts["human_outreach"] == ["2", "20.0%"] and counts["automated_nudge"] == ["5", "50.0%"]
    assert counts["cs_health_check"] == ["0", "0.0%"] and counts["holdout"] == ["1", "10.0%"]
    assert decision[-1] == "  Earmark policy net value: 1,235 (95% interval -100 to 2,570)"


def test_the_summary_lists_every_action_the_policy_gates_can_give() -> None:
    # the actions live in seeds/policy_gates.csv; the summary only orders them by effort
    seed = Path(__file__).resolve().parents[2] / "seeds" / "policy_gates.csv"
    with seed.open(newline="") as handle:
        seeded = {row["action"] for row in csv.DictReader(handle)}
    assert sorted(summary_module.ACTIONS) == sorted(seeded)


def test_the_verdicts_fit_on_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    verdicts = section(summary(make_warehouse(tmp_path / "w.duckdb"), capsys), "Verdicts")
    assert verdicts == [
        "  segmentation  standardize: 3 of 4 criteria passed; failed: min_cluster_jaccard",
        "  uplift        human_outreach: differentiate, nudge: treat_all",
    ]


def test_each_input_is_reconciled_raw_equals_kept_plus_excluded(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    quality = section(summary(make_warehouse(tmp_path / "w.duckdb"), capsys), "Data quality")
    assert [line.split() for line in quality] == [
        ["activity", "0", "raw", "=", "0", "kept", "+", "0", "excluded", "(empty", "input)"],
        ["customers", "120", "raw", "=", "120", "kept", "+", "0", "excluded"],
        ["transactions", "1,000", "raw", "=", "900", "kept", "+", "100", "excluded"],
    ]
    # aligned: the equals signs share a column
    assert len({line.index("=") for line in quality}) == 1


def test_an_input_whose_rows_do_not_add_up_is_called_out(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    short = [row for row in DATA_QUALITY if row[2] != "return"]  # 40 raw transaction rows vanish
    quality = section(
        summary(make_warehouse(tmp_path / "w.duckdb", data_quality=short), capsys), "Data quality"
    )
    assert quality[2].split()[:9] == [
        "transactions",
        "1,000",
        "raw",
        "=",
        "900",
        "kept",
        "+",
        "60",
        "excluded",
    ]
    assert quality[2].endswith("DOES NOT ADD UP: 40 raw rows unaccounted for")
    assert "DOES NOT ADD UP" not in quality[0] + quality[1]
    extra = [*DATA_QUALITY, ("customers", "excluded", "implausible_name", 7, 120)]
    quality = section(
        summary(make_warehouse(tmp_path / "x.duckdb", data_quality=extra), capsys), "Data quality"
    )
    assert quality[1].endswith("DOES NOT ADD UP: 7 rows more than raw")


def test_a_data_set_without_a_campaign_has_no_estimable_value(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = make_warehouse(tmp_path / "w.duckdb", campaign=False, actions=[("no_action", 4)])
    lines = summary(db, capsys)
    assert "  Earmark policy net value: not estimable (no campaign to evaluate it on)" in lines
    assert "  uplift        no treatment arm (no campaign in the input)" in lines
    assert "Missing marts" not in "\n".join(lines)


def test_sections_come_in_order_after_the_build_warning_and_end_with_where_to_look(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    failed = [
        ("succeeded", "demo", "build", datetime(2025, 1, 1, 9), datetime(2025, 1, 1, 9, 5), None),
        ("failed", "demo", "build", datetime(2025, 1, 2, 9), datetime(2025, 1, 2, 9, 5), "customers (error)"),
    ]
    db = make_warehouse(tmp_path / "w.duckdb", run_status=failed)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPORT_PORT", "8123")
    lines = summary(db, capsys, "--site", str(site))
    assert lines[0] == f"Earmark warehouse: {db.resolve()}"
    assert (
        lines[1].startswith("  WARNING: The last dbt build (input 'demo'") and "customers (error)" in lines[1]
    )
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert [h.split(":")[0] for h in headings[1:]] == ["Decision", "Verdicts", "Data quality", "Where"]
    assert section(lines, "Where") == [
        "  warehouse    w.duckdb",
        "  report site  site",
        "  serve it     make serve-report, then open http://127.0.0.1:8123/",
    ]


def test_an_unbuilt_site_says_how_to_build_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    lines = summary(make_warehouse(tmp_path / "w.duckdb"), capsys, "--site", str(tmp_path / "none"))
    assert f"  report site  {tmp_path / 'none'}  (not built yet: make report)" in lines
    assert "  serve it     make serve-report, then open http://127.0.0.1:4173/" in lines


def test_a_partial_warehouse_is_summarised_and_its_missing_marts_named(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    lines = summary(make_warehouse(tmp_path / "w.duckdb", marts={"data_quality"}), capsys)
    assert lines[1] == (
        "  Missing marts: account_actions, policy_comparison, segmentation_verdict, uplift_verdict "
        "(a partial build? run `make build`)"
    )
    assert section(lines, "Decision") == [
        "  account_actions missing: no decision to show",
        "  Earmark policy net value: not estimable (policy_comparison missing)",
    ]
    assert section(lines, "Verdicts") == [
        "  segmentation  segmentation_verdict missing",
        "  uplift        uplift_verdict missing",
    ]
    assert len(section(lines, "Data quality")) == 3


def test_a_mart_of_another_shape_is_reported_and_the_rest_still_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = make_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.sql("alter table account_actions rename column action to next_step")
    lines = summary(db, capsys)
    assert section(lines, "Decision")[0].startswith("  could not be read: Binder Error")
    assert len(section(lines, "Data quality")) == 3


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "expected"),
    [
        (FakeTerminal(), {}, True),
        (FakeTerminal(), {"NO_COLOR": "1"}, False),
        (FakeTerminal(), {"NO_COLOR": ""}, True),  # no-color.org: an empty value does not count
        (FakeTerminal(), {"TERM": "dumb"}, False),
        (io.StringIO(), {}, False),
    ],
)
def test_colour_only_on_a_terminal_without_no_color(
    stream: io.StringIO, environ: dict, expected: bool
) -> None:
    assert use_colour(stream, environ) is expected


def test_no_color_on_a_terminal_prints_no_escape_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_warehouse(tmp_path / "w.duckdb")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert "\033[" in "\n".join(summary(db, capsys))  # a terminal gets bold headings
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in "\n".join(summary(db, capsys))


def test_a_pipe_gets_plain_text(tmp_path: Path) -> None:
    db = make_warehouse(tmp_path / "w.duckdb")
    done = subprocess.run(
        [sys.executable, "-m", "earmark.cli", "summary", "--db", str(db)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "Decision: 10 accounts" in done.stdout and "\033[" not in done.stdout
