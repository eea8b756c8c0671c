"""Earmark's own dbt-score rules: the conventions the project holds every model to.

Run by `make lint-dbt` (dbt-score with this folder on PYTHONPATH, namespaces set in pyproject.toml).
"""

from dbt_score import Model, RuleViolation, Seed, rule

LAYER_PREFIXES = {"staging": "stg_", "intermediate": "int_"}


def _layer(model: Model) -> str:
    parts = model.original_file_path.split("/")
    return parts[1] if len(parts) > 2 else "models"


@rule
def primary_key_is_tested(model: Model) -> RuleViolation | None:
    """Every model has a key column tested both unique and not_null."""
    for column in model.columns:
        test_types = {test.type for test in column.tests}
        if {"unique", "not_null"} <= test_types:
            return None
    return RuleViolation(message="No column is tested both unique and not_null (the primary key).")


@rule
def name_matches_layer(model: Model) -> RuleViolation | None:
    """Staging models are named stg_<source>__<entity>, intermediate int_..., marts carry no prefix."""
    layer = _layer(model)
    prefix = LAYER_PREFIXES.get(layer)
    if prefix and not model.name.startswith(prefix):
        return RuleViolation(message=f"A model in {layer}/ must be named {prefix}...")
    if layer == "staging" and "__" not in model.name:
        return RuleViolation(message="A staging model is named stg_<source>__<entity>.")
    if layer == "marts" and model.name.startswith(tuple(LAYER_PREFIXES.values())):
        return RuleViolation(message=f"A {layer} model is named for its entity, without a layer prefix.")
    return None


@rule
def layer_reads_the_right_things(model: Model) -> RuleViolation | None:
    """Staging reads only sources; no other layer reads a source directly."""
    layer = _layer(model)
    sources = model.depends_on.get("nodes", [])
    reads_source = any(node.startswith("source.") for node in sources)
    reads_model = any(node.startswith("model.") for node in sources)
    if layer == "staging" and reads_model:
        return RuleViolation(message="A staging model reads only its source.")
    if layer != "staging" and reads_source:
        return RuleViolation(message="Only staging models read sources.")
    return None


@rule
def sql_mart_has_enforced_contract(model: Model) -> RuleViolation | None:
    """Marts that analysts query are SQL models with an enforced contract."""
    if _layer(model) != "marts" or model.language != "sql":
        return None
    if not model.config.get("contract", {}).get("enforced"):
        return RuleViolation(message="A mart must enforce its contract.")
    return None


@rule
def seed_is_documented(seed: Seed) -> RuleViolation | None:
    """Every seed and each of its columns has a description."""
    if not seed.description or any(not column.description for column in seed.columns):
        return RuleViolation(message="Seed or one of its columns lacks a description.")
    return None
