"""The `earmark` command line: simulate the demo world, validate a raw directory, ingest public data sets,
serve and screenshot the report site, benchmark the pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from earmark import __version__
from earmark.ingest import ADAPTER_BY_COMMAND, ADAPTERS


def _cmd_simulate(args: argparse.Namespace) -> int:
    from earmark.simulate import simulate_world

    manifest = simulate_world(Path(args.out), seed=args.seed, scale=args.scale)
    rows = ", ".join(f"{name} {count:,}" for name, count in manifest["row_counts"].items())
    print(f"demo world (seed {args.seed}, scale {args.scale}) written to {args.out}: {rows}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from earmark.contract.validate import validate_dir

    violations = validate_dir(Path(args.dir))
    if not violations:
        print(f"{args.dir}: input contract satisfied")
        return 0
    for violation in violations:
        print(
            f"{Path(args.dir) / violation.file}: column '{violation.column}': {violation.rule}: "
            f"{violation.detail}",
            file=sys.stderr,
        )
    print(f"{args.dir}: {len(violations)} contract violation(s)", file=sys.stderr)
    return 1


def _cmd_split_last_day(args: argparse.Namespace) -> int:
    from earmark.simulate.new_day import split_last_day

    split = split_last_day(Path(args.dir), Path(args.before), Path(args.after))
    for name, day in split.last_day.items():
        print(
            f"{name}: {split.rows_before[name]:,} lines before {day} -> {args.before}; "
            f"{split.rows_appended[name]:,} of {day} appended -> {args.after}"
        )
    return 0


def _cmd_export_decisions(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq

    from earmark.readback import decisions_as_uplift_scores
    from earmark.reporting.decisions import export_decisions

    try:
        decisions = export_decisions(Path(args.db))
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(error, file=sys.stderr)
        return 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.campaign_id:
        import numpy as np

        scored_at = np.datetime64(args.scored_at or "now", "s")
        campaigns = {
            "automated_nudge": args.campaign_id,
            "human_outreach": args.call_campaign_id or args.campaign_id,
        }
        pq.write_table(decisions_as_uplift_scores(decisions, campaigns, scored_at), out)
        named = " and ".join(sorted(set(campaigns.values())))
        print(f"{decisions.num_rows:,} decisions as uplift_scores rows of {named} written to {out}")
    else:
        pq.write_table(decisions, out)
        print(f"{decisions.num_rows:,} decisions written to {out}")
    return 0


def _cmd_simulate_followup(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq

    from earmark.reporting.decisions import export_decisions
    from earmark.simulate.followup import simulate_followup

    source = Path(args.decisions)
    try:
        decisions = pq.read_table(source) if source.suffix == ".parquet" else export_decisions(source)
        summary = simulate_followup(Path(args.world), decisions, Path(args.out), args.cycle_id, args.seed)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(error, file=sys.stderr)
        return 1
    users = ", ".join(f"{k} {v:,}" for k, v in summary["users"].items())
    print(
        f"follow-up {', '.join(summary['campaign_ids'])} (treated_at {summary['treated_at']}) written to "
        f"{args.out}: {users}; true lift {summary['true_lift']:.4f}"
    )
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    adapter = ADAPTER_BY_COMMAND[args.source]
    options = {option.name: getattr(args, option.name) for option in adapter.options}
    try:
        counts = adapter.load()(Path(args.path), Path(args.out), **options)
    except (FileNotFoundError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{adapter.label} written to {args.out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


def _cmd_bench_segmentation(args: argparse.Namespace) -> int:
    from earmark.bench.segmentation import format_report, run_benchmark

    for n_customers in args.customers:
        table, result, generate_seconds = run_benchmark(
            n_customers, args.features, seed=args.seed, n_resamples=args.resamples
        )
        print(format_report(n_customers, args.features, table, result, generate_seconds), flush=True)
        print(flush=True)
    return 0


def _cmd_bench_uplift(args: argparse.Namespace) -> int:
    from earmark.bench.uplift_libraries import (
        format_table,
        machine_line,
        rewrite_uplift_section,
        run_benchmark,
    )

    command = "earmark bench-uplift --rows " + " ".join(str(n) for n in args.rows)
    command += f" --folds {args.folds} --seed {args.seed}" + ("" if args.libraries else " --no-libraries")
    for flag, value in (("out", args.out), ("update-doc", args.update_doc)):
        command += f" --{flag} {value}" if value else ""
    sections = []
    for n_rows in args.rows:
        table, facts = run_benchmark(n_rows, n_folds=args.folds, seed=args.seed, libraries=args.libraries)
        print(format_table(table, facts, markdown=False), flush=True)
        print(flush=True)
        sections.append(format_table(table, facts, markdown=True))
    markdown = f"`{command}` ({machine_line()}).\n\n" + "\n\n".join(sections)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(markdown + "\n")
    if args.update_doc:
        doc = Path(args.update_doc)
        doc.write_text(rewrite_uplift_section(doc.read_text(), markdown))
        print(f"{doc}: uplift library section rewritten")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from earmark.bench.pipeline import load_results, run_bench
    from earmark.bench.report import format_report, rewrite_section

    scales = " ".join(f"{scale:g}" for scale in args.scales)
    command = f"earmark bench --scales {scales} --work {args.work} --seed {args.seed}"
    for flag, value in (
        ("baselines-up-to", f"{args.baselines_up_to:g}" if args.baselines_up_to is not None else None),
        ("report-only", args.report_only or None),
        ("out", args.out),
        ("update-doc", args.update_doc),
    ):
        command += "" if not value else f" --{flag}" if value is True else f" --{flag} {value}"
    if args.report_only:
        results = load_results(args.scales, Path(args.work))
    else:
        results = run_bench(
            args.scales,
            Path(args.work),
            Path(args.project),
            seed=args.seed,
            baselines_up_to=args.baselines_up_to,
            command=command,
        )
    print(format_report(results, command, markdown=False), flush=True)
    markdown = format_report(results, command, markdown=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(markdown)
    if args.update_doc:
        doc = Path(args.update_doc)
        doc.write_text(rewrite_section(doc.read_text(), markdown))
        print(f"{doc}: benchmark section rewritten")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from earmark.reporting.summary import summary_lines, use_colour
    from earmark.reporting.warehouse import connect_read_only, last_build_problem

    db = Path(args.db)
    with connect_read_only(db) as con:
        lines = summary_lines(
            con, db, problem=last_build_problem(con), site=Path(args.site), colour=use_colour(sys.stdout)
        )
    print("\n".join(lines))
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    from earmark.reporting.results import results_markdown

    named = []
    for item in args.warehouse:
        name, _, path = item.partition("=")
        named.append((name, Path(path)))
    print(results_markdown(named), end="")
    return 0


def _cmd_check_warehouse(args: argparse.Namespace) -> int:
    from earmark.reporting.warehouse import connect_read_only, last_build_problem

    with connect_read_only(Path(args.db)) as con:
        problem = last_build_problem(con)
    if problem:
        # The report would present marts of mixed or earlier inputs as this build's: refuse.
        print(f"{args.db}: {problem}", file=sys.stderr)
        return 1
    return 0


def _cmd_report_formats(args: argparse.Namespace) -> int:
    from earmark.reporting.currency import write_money_formats

    try:
        code = write_money_formats(Path(args.db), Path(args.out))
    except ValueError as error:
        print(f"{args.db}: {error}", file=sys.stderr)
        return 1
    print(f"money formats for {code} written to {args.out}")
    return 0


def _cmd_compare_warehouses(args: argparse.Namespace) -> int:
    from earmark.reporting.compare import compare_warehouses, format_comparison

    results = compare_warehouses(args.before, args.after, schema=args.schema, ignore=args.ignore)
    print(format_comparison(results))
    return 0 if all(result.identical for result in results) else 1


def _is_built_site(directory: Path) -> bool:
    """Whether `directory` holds a built report site; says what to run when it does not."""
    if (directory / "index.html").is_file():
        return True
    print(f"{directory}: no built report site (index.html missing); run `make report`", file=sys.stderr)
    return False


def _cmd_serve_report(args: argparse.Namespace) -> int:
    from earmark.reporting.site_server import serve_forever

    directory = Path(args.dir)
    if not _is_built_site(directory):
        return 1
    serve_forever(directory, args.port)
    return 0


def _cmd_screenshot_report(args: argparse.Namespace) -> int:
    from earmark.reporting.site_server import screenshot_page

    directory = Path(args.dir)
    if not _is_built_site(directory):
        return 1
    out = screenshot_page(directory, args.route, Path(args.out), width=args.width, height=args.height)
    print(f"{args.route} of {directory} written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="earmark",
        description="Earmark: decide which customers deserve scarce human effort, with evidence.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    simulate = commands.add_parser(
        "simulate",
        help="write the demo world (raw input contract plus truth files) to a directory",
        description="Simulate a B2B company's accounts, users, activity, order book and a past nudge "
        "campaign, with injected data defects and the truth needed to audit the pipeline.",
    )
    simulate.add_argument("--out", required=True, help="directory to write the Parquet files into")
    simulate.add_argument(
        "--seed", type=int, default=42, help="random seed; same seed, same files (default 42)"
    )
    simulate.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="size factor: 1 gives about 2,500 accounts and 25,000 users (default 1)",
    )
    simulate.set_defaults(func=_cmd_simulate)

    validate = commands.add_parser(
        "validate",
        help="check a raw directory against the input contract",
        description="Check every contract file in DIR: missing file, missing column, wrong type, empty "
        "required file, nulls where not allowed, unparseable values. Exits 1 on any violation.",
    )
    validate.add_argument("dir", help="raw input directory")
    validate.set_defaults(func=_cmd_validate)

    split = commands.add_parser(
        "split-last-day",
        help="write a raw directory as it was the day before and as it is with that day appended",
        description="Write BEFORE (transactions and activity without their last day's lines) and AFTER "
        "(the same with those lines appended at the end): building AFTER on a warehouse built from BEFORE "
        "is an incremental build, which must equal AFTER built from scratch.",
    )
    split.add_argument("dir", help="raw input directory")
    split.add_argument("--before", required=True, help="directory for the input without its last day")
    split.add_argument("--after", required=True, help="directory for the input with the day appended")
    split.set_defaults(func=_cmd_split_last_day)

    export = commands.add_parser(
        "export-decisions",
        help="write the built policy's decisions per user (the policy_decisions mart) to a Parquet file",
        description="Write the decisions of a built warehouse, one row per user the policy acts on or "
        "holds out: reference, account, planned action, whether held out, predicted uplift. With "
        "--campaign-id, write them instead as the uplift_scores rows of the campaign that will carry them "
        "out, to append to the input with its treatments and outcomes (var readback_campaign_id then "
        "reads the campaign back against the holdout: mart policy_readback).",
    )
    export.add_argument("--db", required=True, help="built warehouse (DuckDB file)")
    export.add_argument("--out", required=True, help="Parquet file to write")
    export.add_argument(
        "--campaign-id", help="write uplift_scores rows of this campaign (arm = planned action)"
    )
    export.add_argument(
        "--call-campaign-id",
        help="with --campaign-id: the campaign of the calls, when they run as a campaign of their own",
    )
    export.add_argument(
        "--scored-at", help="scored_at of the uplift_scores rows, ISO date or time (default: now, UTC)"
    )
    export.set_defaults(func=_cmd_export_decisions)

    followup = commands.add_parser(
        "simulate-followup",
        help="append a follow-up campaign that carries out the policy's decisions to a simulated world",
        description="Copy WORLD to OUT with the cycle's campaigns (one per channel) in treatments and "
        "outcomes: the users of the targeted accounts get the planned action (nudge: channel automated; "
        "human outreach: call), the users of the held-out accounts nothing, every outcome drawn from the "
        "world's truth; the decisions go in as the campaigns' uplift_scores rows and their truth in "
        "truth_effects. Read back with the dbt var readback_campaign_id: [<id>_nudge, <id>_call].",
    )
    followup.add_argument("--world", required=True, help="simulated raw directory with its truth files")
    followup.add_argument(
        "--decisions",
        required=True,
        help="a warehouse built from WORLD (DuckDB file), or an export-decisions file (.parquet)",
    )
    followup.add_argument("--out", required=True, help="directory to write the world with the follow-up")
    followup.add_argument(
        "--cycle-id",
        help="the cycle's campaigns are <cycle-id>_nudge and <cycle-id>_call (default cycle id: "
        "followup_<year>_<month> of its start)",
    )
    followup.add_argument(
        "--seed", type=int, default=42, help="random seed of the outcome draws (default 42)"
    )
    followup.set_defaults(func=_cmd_simulate_followup)

    ingest = commands.add_parser("ingest", help="turn a public data set into the raw input contract")
    sources = ingest.add_subparsers(dest="source", required=True, metavar="SOURCE")
    for adapter in ADAPTERS:
        source = sources.add_parser(adapter.command, help=adapter.help, description=adapter.description)
        source.add_argument("path", metavar=adapter.path_metavar, help=adapter.path_help)
        source.add_argument("--out", required=True, help="raw directory to write")
        for option in adapter.options:
            source.add_argument(f"--{option.name}", required=option.required, help=option.help)
        source.set_defaults(func=_cmd_ingest)

    summary = commands.add_parser(
        "summary",
        help="print what a built warehouse decided, its verdicts, the data reconciliation and where to look",
        description="Open the DuckDB file read-only and print the accounts per action with Earmark's "
        "estimated net value, the segmentation and uplift verdicts, each input's raw rows as kept plus "
        "excluded, and where the warehouse and report site are; first a warning when the last build "
        "recorded in run_status failed or never finished (the marts may then be from an earlier input). "
        "Missing marts are named, not fatal. Colour only on a terminal and when NO_COLOR is unset.",
    )
    summary.add_argument("--db", default="earmark.duckdb", help="DuckDB file (default earmark.duckdb)")
    summary.add_argument(
        "--site", default="reports/build", help="built report site directory (default reports/build)"
    )
    summary.set_defaults(func=_cmd_summary)

    check = commands.add_parser(
        "check-warehouse",
        help="exit 0 when the warehouse can be read and its last build succeeded, else say why",
        description="Open the DuckDB file read-only and close it again. While `dbt build` writes it, "
        "DuckDB refuses readers: this prints who holds the lock and how to read anyway (wait, or a copy). "
        "When the last build recorded in run_status failed or never finished, it says so, names the input "
        "of the last build that succeeded, and exits 1. `make report` runs it before the report's source "
        "extraction, so the site is never built from the marts a failed build left.",
    )
    check.add_argument("--db", default="earmark.duckdb", help="DuckDB file (default earmark.duckdb)")
    check.set_defaults(func=_cmd_check_warehouse)

    formats = commands.add_parser(
        "report-formats",
        help="write the report site's money formats for the currency the warehouse was built with",
        description="Read the dbt var currency (an ISO 4217 code) from the warehouse's run_parameters and "
        "write Evidence's custom formats money0 and money2 (the symbol or code before the amount) to --out. "
        "`make report` runs it before each site build, so every page labels amounts in the input's currency.",
    )
    formats.add_argument("--db", default="earmark.duckdb", help="DuckDB file (default earmark.duckdb)")
    formats.add_argument(
        "--out",
        default="reports/.evidence/customization/custom-formatting.json",
        help="the custom formats file Evidence reads (default reports/.evidence/customization/...)",
    )
    formats.set_defaults(func=_cmd_report_formats)

    results = commands.add_parser(
        "results",
        help="print the headline figures of built warehouses as a Markdown table",
        description="One column per warehouse: raw and kept lines, exclusions per rule, identity "
        "resolution against truth, RFM medians and segment shares.",
    )
    results.add_argument("warehouse", nargs="+", help="NAME=PATH of a built DuckDB file")
    results.set_defaults(func=_cmd_results)

    bench = commands.add_parser(
        "bench-segmentation",
        help="time each segmentation step on synthetic customers",
        description="Generate seeded synthetic customers with behaviour-like features and a few latent "
        "segments, run every segmentation step with its defaults and print wall seconds and memory "
        "(process RSS) per step.",
    )
    bench.add_argument(
        "--customers",
        type=int,
        nargs="+",
        default=[25_000],
        metavar="N",
        help="customer counts to benchmark, one run each (default 25000)",
    )
    bench.add_argument("--features", type=int, default=10, help="behaviour features (default 10)")
    bench.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    bench.add_argument("--resamples", type=int, default=20, help="bootstrap resamples (default 20)")
    bench.set_defaults(func=_cmd_bench_segmentation)

    uplift_bench = commands.add_parser(
        "bench-uplift",
        help="compare Earmark's uplift learners with EconML, causalml and scikit-uplift",
        description="On a seeded synthetic campaign with confounded assignment and a known effect per "
        "row, fit Earmark's T, X and DR learners (calibrated and not) and the libraries' DR and T "
        "learners on the same folds; print wall seconds (and the ratio to causalml's T-learner), mean "
        "predicted against true effect, RMSE, Spearman correlation and the DR average effect with its "
        "interval. The libraries come from requirements-bench.txt (make bench-uplift).",
    )
    uplift_bench.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[20_000],
        metavar="N",
        help="campaign sizes, one synthetic campaign each (default 20000)",
    )
    uplift_bench.add_argument("--folds", type=int, default=5, help="cross-fitting folds (default 5)")
    uplift_bench.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    uplift_bench.add_argument(
        "--no-libraries",
        dest="libraries",
        action="store_false",
        help="skip EconML, causalml and scikit-uplift (times are then ratios to a plain scikit-learn "
        "two-model T-learner)",
    )
    uplift_bench.add_argument("--out", help="also write the tables as Markdown to this file")
    uplift_bench.add_argument(
        "--update-doc",
        metavar="FILE",
        help="rewrite the section between <!-- bench-uplift:start --> and <!-- bench-uplift:end --> of FILE",
    )
    uplift_bench.set_defaults(func=_cmd_bench_uplift)

    pipeline_bench = commands.add_parser(
        "bench",
        help="time and measure every stage of the pipeline at several scales",
        description="For each scale: simulate a world, build it with dbt one stage per process (wall "
        "seconds, peak RSS, input rows per second, dbt's fixed cost), extract the report sources, and "
        "compute the RFM table with one hand-written DuckDB query and with pandas, both checked equal to "
        "dbt's. Prints the tables, the cost growth from the smallest to the largest scale, the machine.",
    )
    pipeline_bench.add_argument(
        "--scales",
        type=float,
        nargs="+",
        default=[1.0],
        metavar="S",
        help="simulation scales, one world each (1: about 25,000 users; 40: about a million) (default 1)",
    )
    pipeline_bench.add_argument(
        "--work",
        default="/tmp/earmark-bench",
        help="work dir for the worlds, warehouses and logs; each scale's folder is rewritten "
        "(default /tmp/earmark-bench)",
    )
    pipeline_bench.add_argument("--seed", type=int, default=42, help="simulation seed (default 42)")
    pipeline_bench.add_argument(
        "--baselines-up-to",
        type=float,
        metavar="S",
        help="run the baselines (three warm runs each) and the incremental build only at scales up to S; "
        "larger scales run their stages only (default: every scale)",
    )
    pipeline_bench.add_argument("--project", default=".", help="the dbt project dir (default .)")
    pipeline_bench.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: report the figures each scale's earlier run left in its work folder "
        "(scale-S/bench.json), so scales measured by separate runs are reported together",
    )
    pipeline_bench.add_argument("--out", help="also write the tables as Markdown to this file")
    pipeline_bench.add_argument(
        "--update-doc",
        metavar="FILE",
        help="rewrite the section between <!-- bench:start --> and <!-- bench:end --> of FILE",
    )
    pipeline_bench.set_defaults(func=_cmd_bench)

    compare = commands.add_parser(
        "compare-warehouses",
        help="compare every table of two warehouses row for row; exit 1 when any differs",
        description="Attach both DuckDB files read-only and compare each table of the schema with "
        "`except all` both ways (duplicates count, row order does not). Prints rows per side and rows "
        "found on one side only; a table on one side only, or with other columns, differs.",
    )
    compare.add_argument("before", help="the first warehouse (DuckDB file)")
    compare.add_argument("after", help="the second warehouse (DuckDB file)")
    compare.add_argument("--schema", default="main", help="schema to compare (default main: the marts)")
    compare.add_argument(
        "--ignore",
        nargs="*",
        default=["run_status"],
        metavar="TABLE",
        help="tables to skip (default run_status, the build log, whose timestamps always differ)",
    )
    compare.set_defaults(func=_cmd_compare_warehouses)

    serve_report = commands.add_parser(
        "serve-report",
        help="serve the built report site on 127.0.0.1",
        description="Serve the static report site (`make report` builds it into reports/build) over HTTP "
        "on 127.0.0.1 until interrupted.",
    )
    serve_report.add_argument(
        "--dir", default="reports/build", help="built site directory (default reports/build)"
    )
    serve_report.add_argument(
        "--port", type=int, default=4173, help="port on 127.0.0.1; 0 picks a free one (default 4173)"
    )
    serve_report.set_defaults(func=_cmd_serve_report)

    screenshot = commands.add_parser(
        "screenshot-report",
        help="screenshot one page of the built report site",
        description="Serve the built site on a free port, open a page in the system Chromium "
        "(/usr/bin/chromium, through playwright) once charts have drawn, and write a full-page PNG.",
    )
    screenshot.add_argument(
        "--dir", default="reports/build", help="built site directory (default reports/build)"
    )
    screenshot.add_argument("--route", default="/", help="page to open (default /)")
    screenshot.add_argument("--out", required=True, help="PNG file to write")
    screenshot.add_argument("--width", type=int, default=1280, help="viewport width (default 1280)")
    screenshot.add_argument("--height", type=int, default=900, help="viewport height (default 900)")
    screenshot.set_defaults(func=_cmd_screenshot_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    from earmark.reporting.warehouse import WarehouseLocked, WarehouseMissing

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (WarehouseLocked, WarehouseMissing) as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
