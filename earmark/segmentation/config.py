"""Which customer features segmentation uses and how they are transformed: `FeatureConfig`.

A configuration is plain data, so a reproduction of a published segmentation is configuration only.
`FeatureConfig.from_vars` accepts the values as dbt vars deliver them: real lists and dicts, or text such
as "['a', 'b']", '["a", "b"]', "[a, b]" (YAML flow style) or "a, b" (comma separated). Text is parsed
with `json` and `ast.literal_eval` (literals only) and a small splitter for unquoted flow style; no code
is ever evaluated here. Derived-feature expressions stay text until `pandas.DataFrame.eval` computes them
on the customer frame.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SCALERS: tuple[str, ...] = ("standard", "robust", "minmax", "none")


@dataclass
class FeatureConfig:
    """The features segmentation uses.

    features: the columns clustered on, in this order; derived names may appear here.
    derived: new column name -> `pandas.DataFrame.eval` expression over existing (or earlier derived)
        columns, computed before selection, e.g. {"spend_ratio": "spending_score / (annual_income + 1e-9)"}.
    log_features: features transformed with log1p(clip(x, 0)) before scaling (skewed money and counts).
    scaler: 'standard' (mean 0, sd 1), 'robust' (median 0, IQR 1), 'minmax' ([0, 1]) or 'none'.
    """

    features: list[str]
    derived: dict[str, str] = field(default_factory=dict)
    log_features: list[str] = field(default_factory=list)
    scaler: str = "standard"

    def __post_init__(self) -> None:
        self.features = [str(f) for f in self.features]
        self.derived = {str(k): str(v) for k, v in self.derived.items()}
        self.log_features = [str(f) for f in self.log_features]
        self.scaler = str(self.scaler).strip().lower()
        if self.scaler not in SCALERS:
            raise ValueError(f"scaler {self.scaler!r} is not one of {', '.join(SCALERS)}")
        if not self.features:
            raise ValueError("FeatureConfig needs at least one feature")
        duplicated = sorted({f for f in self.features if self.features.count(f) > 1})
        if duplicated:
            raise ValueError(f"features listed more than once: {', '.join(duplicated)}")
        unknown = [f for f in self.log_features if f not in self.features]
        if unknown:
            raise ValueError(f"log_features not among features: {', '.join(unknown)}")

    @classmethod
    def from_vars(
        cls,
        features: object,
        derived: object = None,
        log_features: object = None,
        scaler: object = "standard",
    ) -> FeatureConfig:
        """Build a configuration from dbt vars, each a Python value or its text form (see module doc)."""
        return cls(
            features=parse_list(features),
            derived=parse_mapping(derived),
            log_features=parse_list(log_features),
            scaler="standard" if scaler is None or str(scaler).strip() == "" else str(scaler),
        )


def _split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside quotes and brackets."""
    parts: list[str] = []
    depth, quote, current = 0, "", []
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _literal(text: str) -> object:
    """The value of a JSON or Python literal, or None when the text is neither."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def parse_list(value: object) -> list[str]:
    """A list of names from a list, tuple, None, or text ("['a','b']", "[a, b]", "a, b", "a")."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        parsed = _literal(text)
        if isinstance(parsed, list | tuple):
            return [str(v) for v in parsed]
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return [name for name in (_unquote(p) for p in _split_top_level(text)) if name]
    if isinstance(value, Mapping):
        raise ValueError(f"expected a list of names, got a mapping: {value!r}")
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    raise ValueError(f"expected a list of names, got {value!r}")


def parse_mapping(value: object) -> dict[str, str]:
    """Name -> expression from a dict, None, or text: a JSON/Python dict literal, YAML flow style
    ("{ratio: a / b}"), or a list of "name = expression" items."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return _pairs(str(v) for v in value)
    if not isinstance(value, str):
        raise ValueError(f"expected a mapping of name -> expression, got {value!r}")
    text = value.strip()
    if not text:
        return {}
    parsed = _literal(text)
    if isinstance(parsed, Mapping):
        return {str(k): str(v) for k, v in parsed.items()}
    if isinstance(parsed, list | tuple):
        return _pairs(str(v) for v in parsed)
    if text.startswith("{") and text.endswith("}"):
        result: dict[str, str] = {}
        for item in _split_top_level(text[1:-1]):
            if not item.strip():
                continue
            name, sep, expression = item.partition(":")
            if not sep:
                raise ValueError(f"derived feature {item.strip()!r} is not 'name: expression'")
            result[_unquote(name)] = _unquote(expression)
        return result
    return _pairs(_split_top_level(text[1:-1] if text.startswith("[") else text))


def _pairs(items: Iterable[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in items:
        item = _unquote(item)
        if not item:
            continue
        name, sep, expression = item.partition("=")
        if not sep or not expression.strip() or expression.startswith("="):
            raise ValueError(f"derived feature {item!r} is not 'name = expression'")
        result[name.strip()] = expression.strip()
    return result
