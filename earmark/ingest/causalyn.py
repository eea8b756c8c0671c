"""Ingest the synthetic B2B world of the "Causalyn precision account targeting" case study.

The source is a folder of CSV files (saishyam43-oss/b2b-uplift-modeling-account-policy, MIT):

- accounts_raw.csv -> `accounts`: account_ref = account_id, plan = plan_tier, seats = seat_count,
  annual_value null (not in the source), created_at = account_created_date; attributes industry
  (string), cs_assigned (boolean, cs_assigned_flag == 1) and account_health_score (double).
- users_raw.csv -> `customers`: customer_ref = user_id, account_ref = account_id, role 'admin' when
  role_type is admin and 'user' otherwise (power_user, basic), signup_at = user_created_date, country =
  geo_region (a region, not a country: APAC, EU, LATAM, NA; 'NA' is North America and is read as text,
  never as a missing value), email and is_premium null; attributes role_type (string) and invited
  (boolean: invited_by_user_id is filled; the source only ever writes 'unknown_user' there).
- interventions_raw.csv -> `treatments`: one row per intervention of campaign 'causalyn_collab_nudge':
  customer_ref = user_id, eligible = eligibility_flag, treated = treatment_flag, arm 'nudge' when
  treated else 'control', channel = delivery_channel (filled for control rows too: the channel the user
  was assigned to), treated_at = intervention_date. Every intervention is kept; a warning says when a
  user has several (the contract's key, campaign and customer, would then repeat).
- outcomes_raw.csv -> `outcomes`: one row per outcome row: converted = collab_activated_flag == 1 (null
  when the flag is empty: the outcome was not observed), revenue and churned null, outcome_at =
  activation_date (null unless activated), and the extra column intervention_id.
- user_uplift_scores.csv (the case study's own user-level scores; optional) -> `uplift_scores`:
  customer_ref = user_id, campaign 'causalyn_collab_nudge', arm 'nudge', predicted_uplift = pred_uplift,
  scored_at null.
- latent_uplift_groups_hidden.csv (each user's hidden archetype; optional) -> `truth_users`:
  true_person_id = user_id, account_ref from users_raw.csv, archetype = latent_uplift_group (the source
  already uses persuadable, sleeping_dog, sure_thing and lost_cause). The file has no probabilities and
  no potential outcomes, so those columns hold nominal constants per archetype (`NOMINAL_TRUTH`): the
  generator's published base probabilities (src/01_data_generation/05_generate_outcomes_raw.py,
  GROUP_PROBS, before its per-user noise and the 21-day window), true_uplift their difference, and the
  archetype's defining pair of potential outcomes. They are not per-user truth.

There are no transactions and the activity log is not published, so those are zero-row files. An
optional source file that is absent writes no file (and removes a stale one left in `out_dir`).
Header names are matched ignoring case and surrounding spaces.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa

from earmark import contract
from earmark.ingest.files import read_source_csv, write_raw_dir

CAMPAIGN_ID = "causalyn_collab_nudge"
TREATED_ARM = "nudge"
CONTROL_ARM = "control"

ACCOUNTS_FILE = "accounts_raw.csv"
USERS_FILE = "users_raw.csv"
INTERVENTIONS_FILE = "interventions_raw.csv"
OUTCOMES_FILE = "outcomes_raw.csv"
SCORES_FILE = "user_uplift_scores.csv"
ARCHETYPES_FILE = "latent_uplift_groups_hidden.csv"

# Source columns read from each file (others are ignored).
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    ACCOUNTS_FILE: (
        "account_id",
        "account_created_date",
        "plan_tier",
        "industry",
        "seat_count",
        "cs_assigned_flag",
        "account_health_score",
    ),
    USERS_FILE: (
        "user_id",
        "account_id",
        "user_created_date",
        "role_type",
        "geo_region",
        "invited_by_user_id",
    ),
    INTERVENTIONS_FILE: (
        "intervention_id",
        "user_id",
        "intervention_date",
        "eligibility_flag",
        "treatment_flag",
        "delivery_channel",
    ),
    OUTCOMES_FILE: ("user_id", "intervention_id", "collab_activated_flag", "activation_date"),
    SCORES_FILE: ("user_id", "pred_uplift"),
    ARCHETYPES_FILE: ("user_id", "latent_uplift_group"),
}

ADMIN_ROLE = "admin"

# Extra columns after the contract columns of each entity.
CUSTOMER_EXTRAS: dict[str, pa.DataType] = {"role_type": pa.string(), "invited": pa.bool_()}
ACCOUNT_EXTRAS: dict[str, pa.DataType] = {
    "industry": pa.string(),
    "cs_assigned": pa.bool_(),
    "account_health_score": pa.float64(),
}
OUTCOME_EXTRAS: dict[str, pa.DataType] = {"intervention_id": pa.string()}

# Source label of latent_uplift_group (lower-cased, words joined by '_', a plural 's' dropped) ->
# contract archetype. The source labels are the contract's own names.
ARCHETYPES: dict[str, str] = {
    "persuadable": "persuadable",
    "sleeping_dog": "sleeping_dog",
    "sure_thing": "sure_thing",
    "lost_cause": "lost_cause",
}

# Nominal truth per archetype: (p_control, p_treated, y_control, y_treated). The probabilities are the
# case study generator's base activation probabilities per latent group (untreated, treated), published
# in its source; each user there also got N(0, 0.05) noise (0.025 for sleeping dogs), which was not
# saved. y_* are the archetype's defining potential outcomes (a persuadable converts only when nudged,
# a sleeping dog only when left alone, a sure thing always, a lost cause never), not draws.
NOMINAL_TRUTH: dict[str, tuple[float, float, bool, bool]] = {
    "persuadable": (0.10, 0.60, False, True),
    "sleeping_dog": (0.50, 0.15, True, False),
    "sure_thing": (0.70, 0.75, True, True),
    "lost_cause": (0.05, 0.08, False, False),
}

EMPTY_ENTITIES = (contract.TRANSACTIONS, contract.ACTIVITY)


def _schema(entity: contract.Entity, extras: dict[str, pa.DataType]) -> pa.Schema:
    schema = contract.arrow_schema(entity)
    for name, arrow_type in extras.items():
        schema = schema.append(pa.field(name, arrow_type, nullable=True))
    return schema


def customers_schema() -> pa.Schema:
    """The contract's customers schema followed by role_type and invited."""
    return _schema(contract.CUSTOMERS, CUSTOMER_EXTRAS)


def accounts_schema() -> pa.Schema:
    """The contract's accounts schema followed by industry, cs_assigned and account_health_score."""
    return _schema(contract.ACCOUNTS, ACCOUNT_EXTRAS)


def outcomes_schema() -> pa.Schema:
    """The contract's outcomes schema followed by intervention_id."""
    return _schema(contract.OUTCOMES, OUTCOME_EXTRAS)


class _Csv:
    """One source file read as text (empty cells are the only missing values), with typed accessors
    whose errors name the file and the column."""

    def __init__(self, path: Path, wanted: tuple[str, ...]) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        self.path = path
        # keep_default_na=False: 'NA' (North America in geo_region) is a value, not a missing one.
        self.frame, self.columns = read_source_csv(path, wanted)

    def __len__(self) -> int:
        return len(self.frame)

    def fail(self, name: str, mask: pd.Series, problem: str, values: pd.Series) -> None:
        """ValueError naming file, column, how many rows `mask` marks and the first of them, if any."""
        if mask.any():
            line = int(mask.to_numpy().argmax()) + 2
            raise ValueError(
                f"{self.path}: column '{self.columns[name]}': {int(mask.sum()):,} {problem}, e.g. "
                f"{values[mask].iloc[0]!r} on line {line}"
            )

    def text(self, name: str) -> pd.Series:
        """Stripped text as Python objects; empty cells are None."""
        stripped = self.frame[self.columns[name]].astype(object).str.strip()
        return stripped.where(stripped != "", None)

    def key(self, name: str, unique: bool) -> pd.Series:
        """A reference column: never empty, and (when unique) never repeated."""
        values = self.text(name)
        self.fail(name, values.isna(), "values are empty", self.frame[self.columns[name]])
        if unique:
            self.fail(name, values.duplicated(), "values repeat an earlier row", values)
        return values

    def number(self, name: str, integer: bool = False) -> pd.Series:
        """Parsed numbers, NaN for empty cells."""
        values = self.text(name)
        numbers = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & numbers.isna()
        if integer:
            bad |= numbers.notna() & (numbers != numbers.round())
        self.fail(name, bad, f"values are not {'whole numbers' if integer else 'numbers'}", values)
        return numbers

    def flag(self, name: str) -> list[bool | None]:
        """A 0/1 flag (written '1' or '1.0') as booleans, None for empty cells."""
        numbers = self.number(name)
        self.fail(name, numbers.notna() & ~numbers.isin([0, 1]), "values are not 0 or 1", self.text(name))
        return [None if pd.isna(v) else bool(v) for v in numbers]

    def timestamp(self, name: str) -> pa.Array:
        """ISO dates or date-times as timestamp[us], null for empty cells."""
        values = self.text(name)
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
        self.fail(name, values.notna() & parsed.isna(), "values are not ISO dates", values)
        return pa.array([None if pd.isna(v) else v.to_pydatetime() for v in parsed], type=pa.timestamp("us"))

    def required(self, name: str, values: list | pd.Series) -> None:
        """ValueError when a column the contract needs non-null has empty cells."""
        missing = pd.Series([v is None or (isinstance(v, float) and pd.isna(v)) for v in values])
        self.fail(name, missing, "values are empty", self.frame[self.columns[name]])


def _strings(values: pd.Series | list) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _integers(values: pd.Series) -> pa.Array:
    return pa.array([None if pd.isna(v) else int(v) for v in values], type=pa.int64())


def _doubles(values: pd.Series) -> pa.Array:
    return pa.array([None if pd.isna(v) else float(v) for v in values], type=pa.float64())


def _constant(value: object, n: int, arrow_type: pa.DataType) -> pa.Array:
    return pa.array([value] * n, type=arrow_type)


def _accounts(src: _Csv) -> pa.Table:
    n = len(src)
    return pa.Table.from_arrays(
        [
            _strings(src.key("account_id", unique=True)),
            _strings(src.text("plan_tier")),
            _integers(src.number("seat_count", integer=True)),
            pa.nulls(n, type=pa.float64()),
            src.timestamp("account_created_date"),
            _strings(src.text("industry")),
            pa.array(src.flag("cs_assigned_flag"), type=pa.bool_()),
            _doubles(src.number("account_health_score")),
        ],
        schema=accounts_schema(),
    )


def _customers(src: _Csv) -> pa.Table:
    n = len(src)
    role_type = src.text("role_type")
    role = [None if r is None else ("admin" if r.lower() == ADMIN_ROLE else "user") for r in role_type]
    return pa.Table.from_arrays(
        [
            _strings(src.key("user_id", unique=True)),
            pa.nulls(n, type=pa.string()),
            _strings(src.text("account_id")),
            _strings(role),
            src.timestamp("user_created_date"),
            _strings(src.text("geo_region")),
            pa.nulls(n, type=pa.bool_()),
            _strings(role_type),
            pa.array(src.text("invited_by_user_id").notna().tolist(), type=pa.bool_()),
        ],
        schema=customers_schema(),
    )


def _treatments(src: _Csv) -> pa.Table:
    n = len(src)
    src.key("intervention_id", unique=True)
    users = src.key("user_id", unique=False)
    repeated = users.duplicated(keep=False)
    if repeated.any():
        warnings.warn(
            f"{src.path}: {int(users[repeated].nunique()):,} users have several interventions "
            f"({int(repeated.sum()):,} rows); every intervention is kept, so the pair (campaign_id, "
            "customer_ref) repeats in treatments and outcomes",
            stacklevel=3,
        )
    treated = src.flag("treatment_flag")
    src.required("treatment_flag", treated)
    treated_at = src.timestamp("intervention_date")
    src.required("intervention_date", treated_at.to_pylist())
    return pa.Table.from_arrays(
        [
            _constant(CAMPAIGN_ID, n, pa.string()),
            _strings(users),
            pa.array(src.flag("eligibility_flag"), type=pa.bool_()),
            pa.array(treated, type=pa.bool_()),
            _strings([TREATED_ARM if t else CONTROL_ARM for t in treated]),
            _strings(src.text("delivery_channel")),
            treated_at,
        ],
        schema=contract.arrow_schema(contract.TREATMENTS),
    )


def _outcomes(src: _Csv, interventions: _Csv) -> pa.Table:
    n = len(src)
    users = src.key("user_id", unique=False)
    intervention_ids = src.key("intervention_id", unique=True)
    # Each outcome must answer a known intervention of the same user.
    owner = dict(zip(interventions.text("intervention_id"), interventions.text("user_id"), strict=True))
    unknown = pd.Series([owner.get(i) != u for i, u in zip(intervention_ids, users, strict=True)])
    src.fail(
        "intervention_id",
        unknown,
        f"values name no intervention of the same user in {interventions.path.name}",
        intervention_ids,
    )
    converted = src.flag("collab_activated_flag")
    activated_at = src.timestamp("activation_date").to_pylist()
    outcome_at = [t if c else None for t, c in zip(activated_at, converted, strict=True)]
    return pa.Table.from_arrays(
        [
            _constant(CAMPAIGN_ID, n, pa.string()),
            _strings(users),
            pa.array(converted, type=pa.bool_()),
            pa.nulls(n, type=pa.float64()),
            pa.nulls(n, type=pa.bool_()),
            pa.array(outcome_at, type=pa.timestamp("us")),
            _strings(intervention_ids),
        ],
        schema=outcomes_schema(),
    )


def _uplift_scores(src: _Csv, known_users: set[str]) -> pa.Table:
    n = len(src)
    users = src.key("user_id", unique=False)
    scores = src.number("pred_uplift")
    src.required("pred_uplift", scores.tolist())
    unknown = ~users.isin(known_users)
    if unknown.any():
        warnings.warn(
            f"{src.path}: {int(unknown.sum()):,} scores belong to users absent from {USERS_FILE} "
            f"(e.g. {users[unknown].iloc[0]!r}); they are written but no policy can use them",
            stacklevel=3,
        )
    return pa.Table.from_arrays(
        [
            _strings(users),
            _constant(CAMPAIGN_ID, n, pa.string()),
            _constant(TREATED_ARM, n, pa.string()),
            _doubles(scores),
            pa.nulls(n, type=pa.timestamp("us")),
        ],
        schema=contract.arrow_schema(contract.UPLIFT_SCORES),
    )


def _archetype_key(label: str | None) -> str | None:
    if label is None:
        return None
    key = re.sub(r"[^a-z]+", "_", label.lower()).strip("_")
    return key[:-1] if key.endswith("s") and key[:-1] in ARCHETYPES else key


def _truth_users(src: _Csv, account_of: dict[str, str | None]) -> pa.Table:
    users = src.key("user_id", unique=True)
    labels = src.text("latent_uplift_group")
    keys = pd.Series([_archetype_key(v) for v in labels])
    src.fail(
        "latent_uplift_group",
        ~keys.isin(list(ARCHETYPES)),
        f"values are not an archetype ({', '.join(ARCHETYPES)})",
        labels,
    )
    archetypes = [ARCHETYPES[k] for k in keys]
    truth = [NOMINAL_TRUTH[a] for a in archetypes]
    p_control = [t[0] for t in truth]
    p_treated = [t[1] for t in truth]
    return pa.Table.from_arrays(
        [
            _strings(users),
            _strings([account_of.get(u) for u in users]),
            _strings(archetypes),
            pa.array(p_control, type=pa.float64()),
            pa.array(p_treated, type=pa.float64()),
            pa.array([t - c for c, t in zip(p_control, p_treated, strict=True)], type=pa.float64()),
            pa.array([t[2] for t in truth], type=pa.bool_()),
            pa.array([t[3] for t in truth], type=pa.bool_()),
        ],
        schema=contract.arrow_schema(contract.TRUTH_USERS),
    )


def ingest_causalyn(directory: Path, out_dir: Path) -> dict[str, int]:
    """Write the raw contract files for the Causalyn CSV folder into `out_dir`; return rows per file.

    Raises FileNotFoundError when the folder or one of its four required files is absent, and
    ValueError naming the file and column when a column is missing, a reference is empty or repeats
    where it must be unique, an outcome names no intervention of its user, or a value does not parse.
    """
    directory, out_dir = Path(directory), Path(out_dir)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: no such directory")
    sources = {
        name: _Csv(directory / name, wanted)
        for name, wanted in SOURCE_COLUMNS.items()
        if name not in (SCORES_FILE, ARCHETYPES_FILE) or (directory / name).is_file()
    }
    customers = _customers(sources[USERS_FILE])
    known_users = set(customers.column("customer_ref").to_pylist())
    tables: dict[contract.Entity, pa.Table | None] = {
        contract.CUSTOMERS: customers,
        contract.ACCOUNTS: _accounts(sources[ACCOUNTS_FILE]),
        contract.TREATMENTS: _treatments(sources[INTERVENTIONS_FILE]),
        contract.OUTCOMES: _outcomes(sources[OUTCOMES_FILE], sources[INTERVENTIONS_FILE]),
        contract.UPLIFT_SCORES: (
            _uplift_scores(sources[SCORES_FILE], known_users) if SCORES_FILE in sources else None
        ),
        contract.TRUTH_USERS: None,
    }
    if ARCHETYPES_FILE in sources:
        account_of = dict(
            zip(
                customers.column("customer_ref").to_pylist(),
                customers.column("account_ref").to_pylist(),
                strict=True,
            )
        )
        tables[contract.TRUTH_USERS] = _truth_users(sources[ARCHETYPES_FILE], account_of)

    return write_raw_dir(out_dir, tables, EMPTY_ENTITIES)
