"""Render the raw input contract (`earmark.contract`) and the validation rules as Markdown.

docs/input_contract.md holds a hand-written introduction and, between the markers `START_MARKER` and
`END_MARKER`, the output of `render_markdown()`; a test checks the two agree. After changing the
contract or the rules, refresh the document with

    python -m earmark.contract.docs            # rewrites the generated part of docs/input_contract.md
    python -m earmark.contract.docs --check    # exits 1 when the document is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from earmark.contract.spec import ENTITIES, LOGICAL_TYPES, TEXT_CASTS, Entity
from earmark.contract.validate import RULES, format_violations

START_MARKER = "<!-- contract:start -->"
END_MARKER = "<!-- contract:end -->"
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "input_contract.md"
EXAMPLE_DIR = "raw"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _status(entity: Entity) -> str:
    if entity.audit_only:
        return "audit-only"
    return "required" if entity.required else "optional"


def _status_rule(entity: Entity) -> str:
    if entity.audit_only:
        return (
            "audit-only: simulator truth, never an input of the pipeline; may be absent, and is "
            "checked like the others when present"
        )
    if entity.may_be_absent:
        return "optional, may be absent: read when present, checked like the others"
    if entity.required:
        return "required: must be present with at least one row"
    return "optional: must be present, as a zero-row file with these columns when the source has none"


def _extra_rule(entity: Entity) -> str:
    if entity.allows_extra_columns:
        return "kept as attributes"
    return "rejected (`unexpected_column`)"


def render_markdown() -> str:
    """The generated part of docs/input_contract.md: files, types, one table per entity, the rules."""
    lines: list[str] = []
    add = lines.append

    add("## Files")
    add("")
    add("| file | status | extra columns | contents |")
    add("|---|---|---|---|")
    for e in ENTITIES:
        add(f"| `{e.file_name}` | {_status(e)} | {_extra_rule(e)} | {_cell(e.description)} |")
    add("")

    add("## Logical types")
    add("")
    add(
        "Writers use the Arrow type; a reader (`earmark validate`, the dbt sources) accepts any of the "
        'DuckDB types listed. A VARCHAR column is also accepted for the types marked "yes" when every '
        "non-null value casts with DuckDB `try_cast` to the target named."
    )
    add("")
    add("| logical type | Arrow type written | DuckDB types accepted | VARCHAR accepted if values cast to |")
    add("|---|---|---|---|")
    for name, (arrow_type, duck_types) in LOGICAL_TYPES.items():
        text = f"yes: {TEXT_CASTS[name][1]}" if name in TEXT_CASTS else "(is VARCHAR)"
        add(f"| {name} | `{arrow_type}` | {', '.join(duck_types)} | {text} |")
    add("")

    add("## Entities")
    for e in ENTITIES:
        add("")
        add(f"### {e.name} (`{e.file_name}`)")
        add("")
        add(_cell(e.description))
        add("")
        add(f"- Status: {_status_rule(e)}.")
        add(f"- Extra columns: {_extra_rule(e)}.")
        add("")
        add("| column | type | nullable | meaning |")
        add("|---|---|---|---|")
        for c in e.columns:
            add(f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {_cell(c.description)} |")
    add("")

    add("## Validation rules")
    add("")
    add(
        "`earmark validate DIR` reports every violation as one line "
        "`<dir>/<file>: column '<column>': <rule>: <detail>` (column `*` for the whole file) and exits 1 "
        "when there is any."
    )
    add("")
    add("| rule | what it checks |")
    add("|---|---|")
    for rule in RULES:
        add(f"| `{rule.name}` | {_cell(rule.meaning)} |")
    add("")
    add("One example message per rule:")
    add("")
    add("```text")
    add(format_violations([rule.example for rule in RULES], EXAMPLE_DIR))
    add("```")
    return "\n".join(lines) + "\n"


def generated_part(document: str) -> str:
    """The text between the markers of a document (ValueError when a marker is missing)."""
    start = document.find(START_MARKER)
    end = document.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError(f"the document lacks the markers {START_MARKER} ... {END_MARKER}")
    return document[start + len(START_MARKER) : end].strip("\n") + "\n"


def update_document(document: str) -> str:
    """The document with its generated part replaced by the current `render_markdown()`."""
    generated_part(document)  # checks the markers
    head, rest = document.split(START_MARKER, 1)
    _, tail = rest.split(END_MARKER, 1)
    return f"{head}{START_MARKER}\n{render_markdown()}{END_MARKER}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Refresh the generated part of docs/input_contract.md.")
    parser.add_argument("path", nargs="?", default=str(DOC_PATH), help="the document (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when out of date")
    args = parser.parse_args(argv)
    path = Path(args.path)
    document = path.read_text(encoding="utf-8")
    updated = update_document(document)
    if args.check:
        if updated != document:
            print(f"{path} is out of date: run python -m earmark.contract.docs", file=sys.stderr)
            return 1
        return 0
    if updated != document:
        path.write_text(updated, encoding="utf-8")
        print(f"{path} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
