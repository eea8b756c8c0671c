"""The raw input contract: what each input file must hold, and everything derived from that one spec.

- `spec.py`: the entities, their columns and logical types (the single source).
- `validate.py`: `earmark validate`, checking a raw directory against the spec before dbt runs.
- `dbt_sources.py` and `docs.py`: render the spec into the dbt sources YAML and docs/input_contract.md.
- `duckdb_paths.py`: raw file paths as DuckDB literals, shared with the validator.

The spec's names are re-exported here, so `from earmark import contract; contract.CUSTOMERS` reads as the
contract itself.
"""

from earmark.contract.spec import (
    ACCOUNTS,
    ACTIVITY,
    CUSTOMERS,
    ENTITIES,
    ENTITY_BY_NAME,
    LOGICAL_TYPES,
    OUTCOMES,
    TEXT_CASTS,
    TRANSACTIONS,
    TREATMENTS,
    TRUTH_DEFECTS,
    TRUTH_EFFECTS,
    TRUTH_IDENTITY,
    TRUTH_USERS,
    UPLIFT_SCORES,
    Column,
    ContractViolation,
    Entity,
    arrow_schema,
    empty_table,
)

__all__ = [
    "ACCOUNTS",
    "ACTIVITY",
    "CUSTOMERS",
    "ENTITIES",
    "ENTITY_BY_NAME",
    "LOGICAL_TYPES",
    "OUTCOMES",
    "TEXT_CASTS",
    "TRANSACTIONS",
    "TREATMENTS",
    "TRUTH_DEFECTS",
    "TRUTH_EFFECTS",
    "TRUTH_IDENTITY",
    "TRUTH_USERS",
    "UPLIFT_SCORES",
    "Column",
    "ContractViolation",
    "Entity",
    "arrow_schema",
    "empty_table",
]
