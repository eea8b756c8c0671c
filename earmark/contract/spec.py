"""The raw input contract: which Parquet files a raw directory holds and what their columns mean.

This module is the single definition of the contract. The simulator and the ingest adapters write to
it, `earmark validate` checks a directory against it, and a test keeps the dbt source definitions
(`models/staging/raw/_raw__sources.yml`) in step with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One contract column: its name, logical type, whether nulls are allowed, and what it means."""

    name: str
    type: str  # one of LOGICAL_TYPES
    nullable: bool
    description: str


@dataclass(frozen=True)
class Entity:
    """One raw file (`<name>.parquet`) of the contract."""

    name: str
    required: bool
    description: str
    columns: tuple[Column, ...]
    # Entities whose extra columns are kept as attributes (model covariates) rather than rejected.
    allows_extra_columns: bool = False
    audit_only: bool = False
    # Files a directory may simply leave out (audit truth, externally supplied scores).
    may_be_absent: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


# Logical type -> the Arrow type writers use, and the DuckDB type names a reader accepts for it.
LOGICAL_TYPES: dict[str, tuple[pa.DataType, tuple[str, ...]]] = {
    "string": (pa.string(), ("VARCHAR",)),
    "integer": (
        pa.int64(),
        (
            "TINYINT",
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "UTINYINT",
            "USMALLINT",
            "UINTEGER",
            "UBIGINT",
            "HUGEINT",
        ),
    ),
    "double": (
        pa.float64(),
        ("DOUBLE", "FLOAT", "DECIMAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"),
    ),
    "boolean": (pa.bool_(), ("BOOLEAN",)),
    "timestamp": (
        pa.timestamp("us"),
        ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE", "DATE"),
    ),
    "date": (pa.date32(), ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")),
}


# How a VARCHAR column is tested for each non-string logical type: a SQL predicate over `{c}` (a quoted
# column reference) that is true when the non-null value is acceptable, and the cast target named in
# messages. `earmark validate` and dbt's on-run-start check (macro assert_raw_contract, through the
# `text_check` meta that earmark.contract.dbt_sources writes into the sources) both use these, so they agree.
TEXT_CASTS: dict[str, tuple[str, str]] = {
    # try_cast('1.5' AS BIGINT) rounds to 2 and try_cast('0x10' AS BIGINT) reads hex as 16: the value
    # must also read as the same whole number as a DOUBLE, so nothing is rounded or reinterpreted.
    "integer": (
        "try_cast({c} AS BIGINT) IS NOT NULL AND try_cast({c} AS DOUBLE) = try_cast({c} AS BIGINT)",
        "BIGINT",
    ),
    "double": ("try_cast({c} AS DOUBLE) IS NOT NULL", "DOUBLE"),
    "boolean": ("try_cast({c} AS BOOLEAN) IS NOT NULL", "BOOLEAN"),
    # Text with a UTC offset (+09:00, Z) is accepted too: staging converts it to the var time_zone.
    "timestamp": ("try_cast({c} AS TIMESTAMP) IS NOT NULL", "TIMESTAMP"),
    # The date type accepts TIMESTAMP columns, so it accepts timestamp text too.
    "date": ("try_cast({c} AS DATE) IS NOT NULL OR try_cast({c} AS TIMESTAMP) IS NOT NULL", "DATE"),
}


def _c(name: str, type_: str, nullable: bool, description: str) -> Column:
    return Column(name, type_, nullable, description)


CUSTOMERS = Entity(
    "customers",
    required=True,
    description=(
        "One row per raw customer record as the source system has it. The same person may appear "
        "under several customer_ref values, and one customer_ref may have been reused by different "
        "people; identity resolution sorts both out. Extra columns are kept as customer attributes."
    ),
    allows_extra_columns=True,
    columns=(
        _c(
            "customer_ref",
            "string",
            False,
            "Raw customer reference as the source issues it; may repeat or collide.",
        ),
        _c(
            "email",
            "string",
            True,
            "Matching key (e-mail or another personal key); null when the source has none.",
        ),
        _c("account_ref", "string", True, "Account (company) the customer belongs to; null for consumers."),
        _c("role", "string", True, "Role inside the account: 'admin' or 'user'; null when not applicable."),
        _c(
            "signup_at",
            "timestamp",
            True,
            "When this record was created; orders a reused customer_ref's owners.",
        ),
        _c("country", "string", True, "Country of the customer."),
        _c("is_premium", "boolean", True, "Premium flag from the source (a modifier, never a segment)."),
    ),
)

TRANSACTIONS = Entity(
    "transactions",
    required=False,
    description="One row per invoice line, defects included: cleaning gives every line one status.",
    columns=(
        _c("invoice_ref", "string", True, "Invoice number; a leading 'C' marks a cancellation invoice."),
        _c("stock_code", "string", True, "Product code, or a non-product code (postage, fees, adjustments)."),
        _c("description", "string", True, "Product description."),
        _c("quantity", "integer", True, "Units; negative for returns and cancellations."),
        _c("unit_price", "double", True, "Price per unit in the shop currency."),
        _c("invoiced_at", "timestamp", True, "Invoice time."),
        _c("customer_ref", "string", True, "Raw customer reference; null when the sale was not attributed."),
        _c("country", "string", True, "Country of the invoice."),
    ),
)

ACCOUNTS = Entity(
    "accounts",
    required=False,
    description="One row per account (company). Extra columns are kept as account attributes.",
    allows_extra_columns=True,
    columns=(
        _c("account_ref", "string", False, "Account reference."),
        _c("plan", "string", True, "Plan or tier."),
        _c("seats", "integer", True, "Licensed seats."),
        _c("annual_value", "double", True, "Contract value per year in the shop currency."),
        _c("created_at", "timestamp", True, "When the account was opened."),
    ),
)

ACTIVITY = Entity(
    "activity",
    required=False,
    description="Product usage, one row per customer per active day.",
    columns=(
        _c("customer_ref", "string", False, "Raw customer reference."),
        _c("activity_date", "date", False, "Day of the activity."),
        _c("sessions", "integer", True, "Sessions that day."),
        _c("actions", "integer", True, "Actions (events) that day."),
        _c("active_minutes", "double", True, "Minutes of active use that day."),
    ),
)

TREATMENTS = Entity(
    "treatments",
    required=False,
    description="Past campaigns: one row per campaign and customer considered for it.",
    columns=(
        _c("campaign_id", "string", False, "Campaign identifier."),
        _c("customer_ref", "string", False, "Raw customer reference."),
        _c("eligible", "boolean", True, "Whether the customer was eligible for the campaign."),
        _c("treated", "boolean", False, "Whether the customer received the treatment."),
        _c("arm", "string", True, "Treatment arm; 'control' for untreated rows, null when there is one arm."),
        _c("channel", "string", True, "Delivery channel (email, in_app, call, ...)."),
        _c("treated_at", "timestamp", False, "Campaign start for this customer; covariates must precede it."),
    ),
)

OUTCOMES = Entity(
    "outcomes",
    required=False,
    description=(
        "Observed results of past campaigns, one row per campaign and customer. Extra columns are further "
        "outcomes (for example visited)."
    ),
    allows_extra_columns=True,
    columns=(
        _c("campaign_id", "string", False, "Campaign identifier."),
        _c("customer_ref", "string", False, "Raw customer reference."),
        _c("converted", "boolean", True, "Whether the customer converted in the outcome window."),
        _c("revenue", "double", True, "Revenue in the outcome window; null when not measured."),
        _c("churned", "boolean", True, "Churn label at the end of the outcome window (propensity baseline)."),
        _c("outcome_at", "timestamp", True, "When the outcome was recorded."),
    ),
)

UPLIFT_SCORES = Entity(
    "uplift_scores",
    required=False,
    may_be_absent=True,
    description=(
        "Externally supplied uplift scores (bring your own model): with the var uplift_score_source set "
        "to 'external', the account policy reads these instead of Earmark's own model. May be absent."
    ),
    columns=(
        _c("customer_ref", "string", False, "Raw customer reference the score belongs to."),
        _c("campaign_id", "string", True, "Campaign the score is for; null when it applies to any."),
        _c("arm", "string", True, "Treatment arm the uplift is for; null for a single-arm campaign."),
        _c("predicted_uplift", "double", False, "Predicted change in conversion probability if treated."),
        _c("scored_at", "timestamp", True, "When the score was produced."),
    ),
)

TRUTH_IDENTITY = Entity(
    "truth_identity",
    required=False,
    audit_only=True,
    may_be_absent=True,
    description="Simulator truth: the real person behind each raw customer record. Audit only.",
    columns=(
        _c("customer_ref", "string", False, "Raw customer reference of the record."),
        _c("email", "string", True, "Raw e-mail of the record, as in customers."),
        _c("true_person_id", "string", False, "The person this record really belongs to."),
    ),
)

TRUTH_USERS = Entity(
    "truth_users",
    required=False,
    audit_only=True,
    may_be_absent=True,
    description="Simulator truth per person: hidden archetype and potential outcomes. Audit only.",
    columns=(
        _c("true_person_id", "string", False, "Person identifier, as in truth_identity."),
        _c("account_ref", "string", True, "Account of the person."),
        _c("archetype", "string", False, "persuadable, sleeping_dog, sure_thing or lost_cause."),
        _c("p_control", "double", False, "Conversion probability without the nudge."),
        _c("p_treated", "double", False, "Conversion probability with the nudge."),
        _c("true_uplift", "double", False, "p_treated - p_control."),
        _c("y_control", "boolean", False, "Drawn potential outcome without the nudge."),
        _c("y_treated", "boolean", False, "Drawn potential outcome with the nudge."),
    ),
)

TRUTH_EFFECTS = Entity(
    "truth_effects",
    required=False,
    audit_only=True,
    may_be_absent=True,
    description=(
        "Simulator truth per campaign and person: the true assignment propensity and the campaign's own "
        "potential outcomes, one row per treatments row. Audit only."
    ),
    columns=(
        _c("campaign_id", "string", False, "Campaign identifier, as in treatments."),
        _c("true_person_id", "string", False, "Person identifier, as in truth_identity."),
        _c("account_ref", "string", True, "Account of the person."),
        _c("archetype", "string", False, "persuadable, sleeping_dog, sure_thing or lost_cause."),
        _c("propensity", "double", False, "True probability that this row was treated in this campaign."),
        _c("p_control", "double", False, "Conversion probability in the campaign's window without it."),
        _c("p_treated", "double", False, "Conversion probability in the campaign's window with it."),
        _c("true_uplift", "double", False, "p_treated - p_control: the campaign's true effect."),
        _c("y_control", "boolean", False, "Drawn potential outcome without the campaign."),
        _c("y_treated", "boolean", False, "Drawn potential outcome with the campaign."),
    ),
)

TRUTH_DEFECTS = Entity(
    "truth_defects",
    required=False,
    audit_only=True,
    may_be_absent=True,
    description="Simulator manifest: how many raw rows of each file carry each injected defect. Audit only.",
    columns=(
        _c(
            "file",
            "string",
            False,
            "Raw file the defect was injected into (transactions, customers, activity).",
        ),
        _c("defect", "string", False, "Defect name, equal to the cleaning rule that must catch it."),
        _c("row_count", "integer", False, "Rows injected with this defect."),
    ),
)

ENTITIES: tuple[Entity, ...] = (
    CUSTOMERS,
    TRANSACTIONS,
    ACCOUNTS,
    ACTIVITY,
    TREATMENTS,
    OUTCOMES,
    UPLIFT_SCORES,
    TRUTH_IDENTITY,
    TRUTH_USERS,
    TRUTH_EFFECTS,
    TRUTH_DEFECTS,
)
ENTITY_BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}


def arrow_schema(entity: Entity) -> pa.Schema:
    """The Arrow schema writers use for an entity (contract columns only, in contract order)."""
    return pa.schema(
        [pa.field(c.name, LOGICAL_TYPES[c.type][0], nullable=c.nullable) for c in entity.columns]
    )


def empty_table(entity: Entity) -> pa.Table:
    """A zero-row table with the entity's columns: how an adapter writes an entity its source lacks."""
    return arrow_schema(entity).empty_table()


@dataclass
class ContractViolation:
    """One failed check: which file, which column (or '*' for the whole file), which rule, and detail."""

    file: str
    column: str
    rule: str
    detail: str = field(default="")

    def __str__(self) -> str:
        return f"{self.file}: column '{self.column}': {self.rule}: {self.detail}"
