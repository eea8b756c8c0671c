"""The demo world simulator: determinism, contract schemas, sizes, ground truth, defect counts recounted
independently from the files, the biased campaign and the reused customer refs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from earmark import contract
from earmark.cli import main
from earmark.simulate import normalise_email, simulate_world
from earmark.simulate.activity import _activity_chunks
from earmark.simulate.calendar import ACTIVITY_START, DAY
from earmark.simulate.defects import ACTIVITY_RULES, TRANSACTION_RULES
from earmark.simulate.emails import _email_variant
from earmark.simulate.people import _build_people
from earmark.simulate.transactions import _build_transactions

pytestmark = pytest.mark.unit

SEED = 7
SCALE = 0.1
ARCHETYPE_SHARES = {"persuadable": 0.30, "sleeping_dog": 0.12, "sure_thing": 0.20, "lost_cause": 0.38}
NON_PRODUCT_CODES = [
    "POST",
    "DOT",
    "M",
    "D",
    "C2",
    "S",
    "B",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
    "ADJUST",
]
TREATED_AT = pd.Timestamp("2025-12-01")

# every contract entity except externally supplied uplift scores, which a simulated world has no use for
SIMULATED_ENTITIES = [e for e in contract.ENTITIES if e.name != "uplift_scores"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("world")
    return out, simulate_world(out, seed=SEED, scale=SCALE)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small_world")
    return out, simulate_world(out, seed=SEED + 1, scale=SCALE / 2)


def _read(directory: Path, name: str) -> pd.DataFrame:
    return pq.read_table(directory / f"{name}.parquet").to_pandas()


def _normalise(emails: pd.Series) -> pd.Series:
    return emails.str.strip().str.lower().str.replace(r"\+[^@]*@", "@", regex=True)


def _records(directory: Path) -> pd.DataFrame:
    """Customer records with their true person (customers and truth_identity share one row order)."""
    customers = _read(directory, "customers")
    identity = _read(directory, "truth_identity")
    assert customers["customer_ref"].tolist() == identity["customer_ref"].tolist()
    assert customers["email"].fillna("<null>").tolist() == identity["email"].fillna("<null>").tolist()
    return customers.assign(true_person_id=identity["true_person_id"])


def _resolve(events: pd.DataFrame, at: str, records: pd.DataFrame) -> pd.DataFrame:
    """Attach to each event the record of its customer_ref with the latest signup_at <= the event time."""
    left = events.reset_index(names="row").sort_values([at, "row"], kind="stable")
    right = records[["customer_ref", "signup_at", "true_person_id"]].sort_values("signup_at", kind="stable")
    merged = pd.merge_asof(
        left, right, left_on=at, right_on="signup_at", by="customer_ref", direction="backward"
    )
    return merged.sort_values("row").set_index("row")


def _nudge_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The nudge campaign's rows of treatments or outcomes: the first block, before the call campaign's."""
    nudge = frame["campaign_id"] == "nudge_2025_11"
    assert nudge.to_numpy()[: nudge.sum()].all(), "the nudge rows come first"
    return frame[nudge]


def _manifest_counts(manifest: dict, file: str) -> dict[str, int]:
    return {d["defect"]: d["row_count"] for d in manifest["defects"] if d["file"] == file}


# ---------------------------------------------------------------------------------------------------------
# Determinism, schema, sizes


def test_same_seed_gives_identical_files(world: tuple[Path, dict], tmp_path: Path) -> None:
    first_dir, first = world
    second = simulate_world(tmp_path, seed=SEED, scale=SCALE)
    assert second == first
    assert (tmp_path / "manifest.json").read_bytes() == (first_dir / "manifest.json").read_bytes()
    for entity in SIMULATED_ENTITIES:
        a = pq.read_table(first_dir / entity.file_name)
        b = pq.read_table(tmp_path / entity.file_name)
        assert a.equals(b), entity.name


def test_another_seed_gives_another_world(world: tuple[Path, dict], small_world: tuple[Path, dict]) -> None:
    a = pq.read_table(world[0] / "transactions.parquet").slice(0, 100)
    b = pq.read_table(small_world[0] / "transactions.parquet").slice(0, 100)
    assert not a.equals(b)


def test_every_file_follows_the_contract(world: tuple[Path, dict]) -> None:
    directory, manifest = world
    for entity in SIMULATED_ENTITIES:
        schema = pq.read_schema(directory / entity.file_name)
        expected = contract.arrow_schema(entity)
        if entity.allows_extra_columns:
            assert list(schema)[: len(expected)] == list(expected), entity.name
        else:
            assert schema.equals(expected), entity.name
        rows = pq.read_metadata(directory / entity.file_name).num_rows
        assert manifest["row_counts"][entity.name] == rows, entity.name
    assert {"job_level", "company_size_band"} <= set(pq.read_schema(directory / "customers.parquet").names)


def test_manifest_holds_counts_and_parameters(world: tuple[Path, dict]) -> None:
    directory, manifest = world
    assert json.loads((directory / "manifest.json").read_text()) == manifest
    assert manifest["seed"] == SEED and manifest["scale"] == SCALE
    for key in ("row_counts", "defects", "archetypes", "defect_rates", "calendar", "assignment"):
        assert key in manifest
    assert {a: v["target_share"] for a, v in manifest["archetypes"].items()} == ARCHETYPE_SHARES
    assert manifest["calendar"]["treated_at"] == "2025-12-01 00:00:00"
    truth = _read(directory, "truth_defects")
    assert truth.to_dict("records") == manifest["defects"]
    tx_rules = (
        "malformed",
        "exact_duplicate",
        "non_product_code",
        "unmatched_cancellation",
        "cancellation_invoice",
        "stock_write_off",
        "return",
        "non_positive_price",
        "missing_customer",
        "unknown_customer",
    )
    expected = [("transactions", d) for d in tx_rules]
    expected += [("activity", d) for d in ("malformed", "exact_duplicate", "unknown_customer")]
    expected += [("customers", "duplicate_person"), ("customers", "reused_ref")]
    assert list(zip(truth["file"], truth["defect"], strict=True)) == expected


def test_sizes_scale_linearly(world: tuple[Path, dict], small_world: tuple[Path, dict]) -> None:
    counts, small = world[1]["row_counts"], small_world[1]["row_counts"]
    assert counts["accounts"] == 250
    assert 2_000 <= counts["truth_users"] <= 3_000
    assert counts["truth_users"] < counts["customers"] < 1.06 * counts["truth_users"]
    assert 25_000 <= counts["transactions"] <= 40_000
    assert 40_000 <= counts["activity"] <= 110_000
    # the nudge lists nearly every person; the call campaign's rows are appended after its rows
    nudge, call = world[1]["realised"]["treatments_rows"], world[1]["call_campaign"]["realised"]["rows"]
    assert counts["treatments"] == counts["outcomes"] == counts["truth_effects"] == nudge + call
    assert 0.9 * counts["truth_users"] <= nudge <= counts["truth_users"]
    assert 0.9 * counts["truth_users"] <= call <= nudge
    assert small["accounts"] == 125
    for name in ("truth_users", "transactions", "activity"):
        assert 0.35 <= small[name] / counts[name] <= 0.65, name


def test_tiny_scale_still_has_an_account(tmp_path: Path) -> None:
    manifest = simulate_world(tmp_path, seed=1, scale=0.0001)
    assert manifest["row_counts"]["accounts"] == 1
    assert manifest["row_counts"]["customers"] >= 2


def test_cli_prints_row_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--out", str(tmp_path), "--seed", "3", "--scale", "0.02"]) == 0
    assert "transactions" in capsys.readouterr().out
    assert (tmp_path / "manifest.json").exists()


# ---------------------------------------------------------------------------------------------------------
# Ground truth


def test_truth_users_are_consistent(world: tuple[Path, dict]) -> None:
    users = _read(world[0], "truth_users")
    assert users["true_person_id"].is_unique
    difference = (users["p_treated"] - users["p_control"]).to_numpy()
    assert np.array_equal(users["true_uplift"].to_numpy(), difference)
    shares = users["archetype"].value_counts(normalize=True)
    for archetype, share in ARCHETYPE_SHARES.items():
        assert abs(shares[archetype] - share) < 0.04, archetype
    by = {name: group for name, group in users.groupby("archetype")}
    assert (by["sleeping_dog"]["true_uplift"] < 0).all()
    assert (by["persuadable"]["true_uplift"] > 0).all()
    assert by["sure_thing"]["true_uplift"].abs().max() <= 0.02
    assert by["lost_cause"]["true_uplift"].abs().max() <= 0.01
    assert by["sure_thing"]["p_control"].min() >= 0.6
    assert by["lost_cause"]["p_control"].max() <= 0.03
    # coupled draws: the nudge can only add conversions when it helps and only remove them when it hurts
    up, down = users["true_uplift"] > 0, users["true_uplift"] < 0
    assert not (users["y_control"] & ~users["y_treated"] & up).any()
    assert not (users["y_treated"] & ~users["y_control"] & down).any()
    assert users["true_uplift"].mean() > 0


def test_accounts_admins_and_countries(world: tuple[Path, dict]) -> None:
    directory = world[0]
    records = _records(directory)
    users = _read(directory, "truth_users")
    accounts = _read(directory, "accounts")
    assert accounts["account_ref"].is_unique
    assert accounts["account_ref"].str.fullmatch(r"A\d{5}").all()
    assert set(accounts["plan"]) <= {"starter", "growth", "enterprise"}
    assert set(records["account_ref"]) == set(accounts["account_ref"])
    assert records.groupby("account_ref")["role"].apply(lambda r: (r == "admin").any()).all()
    assert (records.groupby("account_ref")["country"].nunique() == 1).all()
    size = users.groupby("account_ref").size()
    assert size.min() >= 2 and size.max() >= 30 and 8 <= size.mean() <= 12.5
    role = records.drop_duplicates("true_person_id").set_index("true_person_id")["role"]
    archetype = users.set_index("true_person_id")["archetype"]
    sure = archetype == "sure_thing"
    admins = role.reindex(archetype.index) == "admin"
    assert sure[admins].mean() > 1.5 * sure[~admins].mean()
    person_account = users.set_index("true_person_id")["account_ref"]
    assert (records["account_ref"] == person_account.reindex(records["true_person_id"]).to_numpy()).all()
    created = accounts.set_index("account_ref")["created_at"]
    assert (records["signup_at"] >= created.reindex(records["account_ref"]).to_numpy()).all()


# ---------------------------------------------------------------------------------------------------------
# Identity defects


def test_customer_identity_defects_recount(world: tuple[Path, dict]) -> None:
    directory, manifest = world
    records = _records(directory)
    n_persons = manifest["row_counts"]["truth_users"]
    assert not records.duplicated(["customer_ref", "email"]).any()
    assert records["customer_ref"].str.fullmatch(r"U\d{6,}").all()
    key = _normalise(records["email"])
    with_email = records[records["email"].notna()].assign(key=key)
    # one normalised key is one person, and one person has one key
    assert (with_email.groupby("key")["true_person_id"].nunique() == 1).all()
    assert (with_email.groupby("true_person_id")["key"].nunique() == 1).all()
    duplicate_person = len(with_email) - with_email["key"].nunique()
    reused_ref = len(records) - records["customer_ref"].nunique()
    counts = _manifest_counts(manifest, "customers")
    assert counts == {"duplicate_person": duplicate_person, "reused_ref": reused_ref}
    assert 0.02 * n_persons <= duplicate_person <= 0.04 * n_persons
    assert 0.002 * n_persons <= reused_ref <= 0.008 * n_persons
    # the extra record has a new ref and a raw variant of the e-mail; the first record is clean
    first = with_email.sort_values("signup_at", kind="stable").drop_duplicates("true_person_id")
    assert first["email"].str.fullmatch(r"[a-z]+\.[a-z]+\.\d+@[a-z]+\.[a-z.]+").all()
    extra = with_email[~with_email.index.isin(first.index)]
    assert len(extra) == duplicate_person
    assert (extra["email"] != extra["key"]).all()
    assert not extra["customer_ref"].isin(first["customer_ref"]).any()
    # null e-mails: about 1 %, never a duplicated person or an owner of a reused ref
    null = records[records["email"].isna()]
    assert 0.003 * n_persons <= len(null) <= 0.02 * n_persons
    assert null["true_person_id"].is_unique
    assert (records["true_person_id"].value_counts()[null["true_person_id"]] == 1).all()
    assert (records["customer_ref"].value_counts()[null["customer_ref"]] == 1).all()


def test_reused_refs_belong_to_different_people_in_turn(world: tuple[Path, dict]) -> None:
    directory = world[0]
    records = _records(directory)
    users = _read(directory, "truth_users").set_index("true_person_id")
    reused = records[records["customer_ref"].duplicated(keep=False)]
    reused = reused.sort_values(["customer_ref", "signup_at"])
    assert len(reused) > 0
    for _, pair in reused.groupby("customer_ref"):
        assert len(pair) == 2
        first, second = pair.iloc[0], pair.iloc[1]
        assert first["true_person_id"] != second["true_person_id"]
        assert first["signup_at"] < second["signup_at"]
        assert first["email"] != second["email"]
        assert users.loc[first["true_person_id"], "archetype"] == "lost_cause"
    # everything under a reused ref after the new owner's signup resolves to the new owner, and nothing
    # under any known ref predates every record of that ref
    tx = _read(directory, "transactions")
    known = tx[tx["customer_ref"].isin(records["customer_ref"]) & tx["invoiced_at"].notna()]
    resolved = _resolve(known[["customer_ref", "invoiced_at"]], "invoiced_at", records)
    assert resolved["signup_at"].notna().all()
    activity = _read(directory, "activity")
    activity = activity[activity["customer_ref"].isin(records["customer_ref"])]
    at = pd.to_datetime(activity["activity_date"]).astype("datetime64[us]")
    days = activity[["customer_ref"]].assign(at=at)
    assert _resolve(days, "at", records)["signup_at"].notna().all()
    treatments = _read(directory, "treatments")
    resolved = _resolve(treatments[["customer_ref", "treated_at"]], "treated_at", records)
    assert resolved["signup_at"].notna().all()
    first_owners = reused.drop_duplicates("customer_ref", keep="first")["true_person_id"]
    assert not resolved["true_person_id"].isin(first_owners).any()


def test_first_owner_of_a_reused_ref_stopped_before_the_second_signed_up(world: tuple[Path, dict]) -> None:
    # the hidden truth per line and per activity row, rebuilt from the simulator's own building blocks
    manifest = world[1]
    people = _build_people(SEED, SCALE)
    lines = _build_transactions(people, SEED)
    assert len(lines.code) == manifest["row_counts"]["transactions"]
    second = np.flatnonzero(people.first_owner_of >= 0)
    assert len(second) == _manifest_counts(manifest, "customers")["reused_ref"] > 0
    handover = np.full(people.n, np.iinfo(np.int64).max)
    handover[people.first_owner_of[second]] = people.signup[second]
    known = lines.person >= 0
    assert (lines.time[known] < handover[lines.person[known]]).all()
    assert (lines.time[known] > people.signup[lines.person[known]]).all()
    ref_of_second = people.ref[second]
    assert np.array_equal(ref_of_second, people.ref[people.first_owner_of[second]])
    rows = 0
    for chunk in _activity_chunks(people, SEED):
        known = chunk.person >= 0
        day_end = ACTIVITY_START + (chunk.day[known] + 1) * DAY
        assert (day_end <= handover[chunk.person[known]]).all()
        rows += len(chunk.person)
    assert rows == manifest["row_counts"]["activity"]


# ---------------------------------------------------------------------------------------------------------
# Transaction and activity defects, recounted with the first-match rules


def test_transaction_defects_recount(world: tuple[Path, dict]) -> None:
    directory, manifest = world
    tx = _read(directory, "transactions")
    refs = set(_read(directory, "customers")["customer_ref"])
    required = ["invoice_ref", "stock_code", "quantity", "unit_price", "invoiced_at"]
    malformed = tx[required].isna().any(axis=1) | (tx["quantity"] == 0)
    cancellation = tx["invoice_ref"].str.startswith("C", na=False)
    rules = {
        "malformed": malformed,
        "exact_duplicate": tx.duplicated(keep="first") & ~malformed,
        "non_product_code": tx["stock_code"].isin(NON_PRODUCT_CODES),
        "unmatched_cancellation": pd.Series(False, index=tx.index),  # from the kept sales, below
        "cancellation_invoice": cancellation,
        "stock_write_off": (tx["quantity"] < 0) & tx["customer_ref"].isna(),
        "return": tx["quantity"] < 0,
        "non_positive_price": tx["unit_price"] <= 0,
        "missing_customer": tx["customer_ref"].isna(),
        "unknown_customer": ~tx["customer_ref"].isin(refs),
    }

    def first_rule() -> pd.Series:
        return pd.Series(np.select([m.to_numpy(bool) for m in rules.values()], list(rules), "kept"), tx.index)

    # a cancellation of a known customer counts only after a kept sale of the product by that customer
    kept = tx[first_rule() == "kept"]
    first_sale = kept.groupby(["customer_ref", "stock_code"])["invoiced_at"].min().rename("first_sale")
    first_sale_of_line = tx.join(first_sale, on=["customer_ref", "stock_code"])["first_sale"]
    rules["unmatched_cancellation"] = (
        cancellation & tx["customer_ref"].isin(refs) & ~(first_sale_of_line <= tx["invoiced_at"])
    )
    status = first_rule()
    counts = status.value_counts()
    recount = {rule: int(counts.get(rule, 0)) for rule in rules}
    assert recount == _manifest_counts(manifest, "transactions")
    assert {**recount, "kept": int(counts["kept"])} == manifest["status_counts"]["transactions"]
    n = len(tx)
    invoices = tx["invoice_ref"].dropna().unique()
    c_invoices = sum(i.startswith("C") for i in invoices)
    assert 0.01 <= c_invoices / len(invoices) <= 0.03
    expected_share = {
        "malformed": 0.001,
        "exact_duplicate": 0.01,
        "return": 0.005,
        "non_product_code": 0.015,
        "non_positive_price": 0.003,
        "missing_customer": 0.03,
        "unknown_customer": 0.002,
    }
    for rule, share in expected_share.items():
        assert 0.3 * share <= recount[rule] / n <= 2.0 * share, rule
    assert recount["cancellation_invoice"] > 0


def test_order_book_structure(world: tuple[Path, dict]) -> None:
    tx = _read(world[0], "transactions")
    clean = tx[~tx.duplicated(keep="first")].dropna(subset=["invoice_ref", "stock_code", "invoiced_at"])
    assert not clean.duplicated(["invoice_ref", "stock_code"]).any()
    assert clean["invoice_ref"].str.fullmatch(r"C?\d+").all()
    # one time, customer and country per invoice
    assert (clean.groupby("invoice_ref")["invoiced_at"].nunique() == 1).all()
    assert (clean.groupby("invoice_ref", dropna=False)["country"].nunique() == 1).all()
    times = tx["invoiced_at"].dropna()
    assert times.min() >= pd.Timestamp("2025-01-01") and times.max() < pd.Timestamp("2026-01-01")
    # every cancellation line mirrors an earlier line of the same customer, same product and price
    cancel = clean[clean["invoice_ref"].str.startswith("C")]
    sales = clean[~clean["invoice_ref"].str.startswith("C") & (clean["quantity"] > 0)]
    assert cancel["customer_ref"].notna().all() and (cancel["quantity"] < 0).all()
    pairs = cancel.reset_index().merge(
        sales, on=["customer_ref", "stock_code", "unit_price"], suffixes=("", "_sale")
    )
    pairs = pairs[
        (pairs["invoiced_at_sale"] <= pairs["invoiced_at"]) & (pairs["quantity_sale"] >= -pairs["quantity"])
    ]
    assert pairs["index"].nunique() == len(cancel)


def test_activity_defects_recount(world: tuple[Path, dict]) -> None:
    directory, manifest = world
    activity = _read(directory, "activity")
    refs = set(_read(directory, "customers")["customer_ref"])
    values = activity[["sessions", "actions", "active_minutes"]]
    malformed = values.isna().any(axis=1) | (values < 0).any(axis=1)
    rules = {
        "malformed": malformed,
        "exact_duplicate": activity.duplicated(keep="first") & ~malformed,
        "unknown_customer": ~activity["customer_ref"].isin(refs),
    }
    status = pd.Series(np.select([m.to_numpy(bool) for m in rules.values()], list(rules), "kept"))
    counts = status.value_counts()
    recount = {rule: int(counts.get(rule, 0)) for rule in rules}
    assert recount == _manifest_counts(manifest, "activity")
    assert {**recount, "kept": int(counts["kept"])} == manifest["status_counts"]["activity"]
    for rule, share in {"malformed": 0.001, "exact_duplicate": 0.005, "unknown_customer": 0.001}.items():
        assert 0.3 * share <= recount[rule] / len(activity) <= 2.0 * share, rule
    kept = activity[status.to_numpy() == "kept"]
    assert not kept.duplicated(["customer_ref", "activity_date"]).any()
    assert (kept["sessions"] >= 1).all() and (kept["active_minutes"] > 0).all()
    dates = pd.to_datetime(activity["activity_date"])
    assert dates.min() == pd.Timestamp("2025-09-03") and dates.max() == pd.Timestamp("2025-12-31")


def test_activity_is_shaped_by_archetype(world: tuple[Path, dict]) -> None:
    directory = world[0]
    records = _records(directory)
    users = _read(directory, "truth_users").set_index("true_person_id")
    activity = _read(directory, "activity")
    activity = activity[
        activity["customer_ref"].isin(records["customer_ref"])
        & activity["sessions"].notna()
        & (activity["active_minutes"] >= 0)
    ]
    at = pd.to_datetime(activity["activity_date"]).astype("datetime64[us]")
    resolved = _resolve(activity.assign(at=at), "at", records)
    resolved["archetype"] = users["archetype"].reindex(resolved["true_person_id"]).to_numpy()
    resolved["week"] = (resolved["at"] - pd.Timestamp("2025-09-03")).dt.days // 7
    intensity = resolved.groupby("archetype")[["actions", "active_minutes"]].sum()
    per_minute = intensity["actions"] / intensity["active_minutes"]
    assert per_minute["sleeping_dog"] > 2.5 * per_minute.drop("sleeping_dog").max()
    weekly = resolved[resolved["archetype"] == "persuadable"].groupby("week")["sessions"].sum()
    decline = weekly.iloc[1:15].to_numpy() / weekly.iloc[0:14].to_numpy()
    assert 0.75 <= np.median(decline) <= 0.92
    days_per_person = resolved.groupby("true_person_id").size()
    lost = users.index[users["archetype"] == "lost_cause"]
    assert days_per_person.reindex(lost).fillna(0).mean() < 3


# ---------------------------------------------------------------------------------------------------------
# The campaign


def test_campaign_assignment_is_biased(world: tuple[Path, dict]) -> None:
    directory = world[0]
    records = _records(directory)
    treatments = _read(directory, "treatments")
    outcomes = _read(directory, "outcomes")
    users = _read(directory, "truth_users").set_index("true_person_id")
    assert not treatments.duplicated(["campaign_id", "customer_ref"]).any()
    assert treatments[["campaign_id", "customer_ref"]].equals(outcomes[["campaign_id", "customer_ref"]])
    treatments, outcomes = _nudge_rows(treatments), _nudge_rows(outcomes)
    assert (treatments["treated_at"] == TREATED_AT).all()
    assert (treatments["arm"] == np.where(treatments["treated"], "nudge", "control")).all()
    assert set(treatments.loc[treatments["treated"], "channel"]) == {"email", "in_app"}
    assert treatments.loc[~treatments["treated"], "channel"].isna().all()
    assert not (treatments["treated"] & ~treatments["eligible"]).any()
    assert 0.02 <= (~treatments["eligible"]).mean() <= 0.08

    rows = _resolve(treatments[["customer_ref", "treated_at"]], "treated_at", records)
    truth = users.reindex(rows["true_person_id"]).reset_index()
    assert rows["true_person_id"].is_unique
    frame = pd.concat(
        [
            treatments.reset_index(drop=True),
            outcomes[["converted", "revenue", "churned", "outcome_at"]].reset_index(drop=True),
            truth.reset_index(drop=True),
        ],
        axis=1,
    )
    expected = np.where(frame["treated"], frame["y_treated"], frame["y_control"])
    assert (frame["converted"] == expected).all()
    assert ((frame["revenue"] > 0) == frame["converted"]).all()
    window_end = TREATED_AT + pd.Timedelta(days=21)
    assert ((frame["outcome_at"] >= TREATED_AT) & (frame["outcome_at"] <= window_end)).all()
    assert (frame.loc[~frame["converted"], "outcome_at"] == window_end).all()

    eligible = frame[frame["eligible"]]
    treated, control = eligible[eligible["treated"]], eligible[~eligible["treated"]]
    assert treated["converted"].mean() - control["converted"].mean() < -0.05
    assert treated["true_uplift"].mean() > 0.02
    assert users["true_uplift"].mean() > 0
    rate = eligible.groupby("archetype")["treated"].mean()
    assert min(rate["persuadable"], rate["lost_cause"]) > 2 * max(rate["sure_thing"], rate["sleeping_dog"])


def test_churn_label_is_no_activity_in_the_last_14_days(world: tuple[Path, dict]) -> None:
    directory = world[0]
    records = _records(directory)
    treatments = _nudge_rows(_read(directory, "treatments"))
    outcomes = _nudge_rows(_read(directory, "outcomes"))
    users = _read(directory, "truth_users").set_index("true_person_id")
    activity = _read(directory, "activity")
    at = pd.to_datetime(activity["activity_date"]).astype("datetime64[us]")
    late = activity.assign(at=at)[
        (at >= pd.Timestamp("2025-12-18")) & activity["customer_ref"].isin(records["customer_ref"])
    ]
    active_people = set(_resolve(late[["customer_ref", "at"]], "at", records)["true_person_id"])
    person = _resolve(treatments[["customer_ref", "treated_at"]], "treated_at", records)["true_person_id"]
    assert (outcomes["churned"].to_numpy() == ~person.isin(active_people).to_numpy()).all()
    churn = outcomes.assign(archetype=users["archetype"].reindex(person).to_numpy())
    churn = churn.groupby("archetype")["churned"].mean()
    assert churn["lost_cause"] > 0.7 and churn["sleeping_dog"] < 0.05 and churn["sure_thing"] < 0.1


def test_normalise_email() -> None:
    assert normalise_email("  Jane.Doe.12+crm@ACME.com ") == "jane.doe.12@acme.com"
    assert normalise_email("JANE.DOE.12@ACME.COM") == "jane.doe.12@acme.com"
    assert normalise_email(None) is None
    assert re.fullmatch(r"\S+@\S+", _email_variant("jane.doe.12@acme.com", 3, "news").strip())


# ---------------------------------------------------------------------------------------------------------
# The customer-success call campaign

CALL_AT = pd.Timestamp("2025-10-20")


def _call_frame(directory: Path) -> pd.DataFrame:
    """The call campaign's rows: treatments, outcomes and truth_effects side by side (one row order), with
    the account of each row and whether an admin of that account is a sleeping dog."""
    treatments = _read(directory, "treatments")
    outcomes = _read(directory, "outcomes")
    effects = _read(directory, "truth_effects")
    assert treatments["campaign_id"].tolist() == effects["campaign_id"].tolist()
    call = (treatments["campaign_id"] == "cs_outreach_2025_10").to_numpy()
    frame = pd.concat(
        [
            treatments[call].reset_index(drop=True),
            outcomes.loc[call, ["converted", "revenue", "churned", "outcome_at"]].reset_index(drop=True),
            effects.loc[call, effects.columns.drop("campaign_id")].reset_index(drop=True),
        ],
        axis=1,
    )
    records = _records(directory)
    admins = records[records["role"] == "admin"].drop_duplicates("true_person_id")
    archetype = _read(directory, "truth_users").set_index("true_person_id")["archetype"]
    dog_admin = admins[archetype.reindex(admins["true_person_id"]).to_numpy() == "sleeping_dog"]
    frame["dog_admin_account"] = frame["account_ref"].isin(set(dog_admin["account_ref"]))
    return frame


def test_call_campaign_only_appends_rows(world: tuple[Path, dict], tmp_path: Path) -> None:
    directory, manifest = world
    without = simulate_world(tmp_path, seed=SEED, scale=SCALE, call_campaign=False)
    assert without["realised"] == manifest["realised"]
    # the nudge rows as they were before the call campaign existed (2,209 at this seed and scale)
    assert without["row_counts"]["treatments"] == manifest["realised"]["treatments_rows"] == 2_209
    for entity in SIMULATED_ENTITIES:
        before = pq.read_table(tmp_path / entity.file_name)
        after = pq.read_table(directory / entity.file_name)
        assert after.slice(0, before.num_rows).equals(before), entity.name
        appended = after.num_rows - before.num_rows
        expected = manifest["call_campaign"]["realised"]["rows"]
        assert appended == (expected if entity.name in {"treatments", "outcomes", "truth_effects"} else 0)


def test_call_campaign_rows(world: tuple[Path, dict]) -> None:
    directory, manifest = world
    frame = _call_frame(directory)
    records = _records(directory)
    assert (frame["treated_at"] == CALL_AT).all()
    assert frame["eligible"].all()
    assert (frame["arm"] == np.where(frame["treated"], "human_outreach", "control")).all()
    assert (frame.loc[frame["treated"], "channel"] == "call").all()
    assert frame.loc[~frame["treated"], "channel"].isna().all()
    assert frame["churned"].isna().all()
    # a whole account is called or not, and only accounts take part
    assert frame["account_ref"].notna().all()
    assert (frame.groupby("account_ref")["treated"].nunique() == 1).all()
    assert (frame.groupby("account_ref")["propensity"].nunique() == 1).all()
    # every user of an account who signed up 14 days before the call, each under the ref that resolves
    resolved = _resolve(frame[["customer_ref", "treated_at"]], "treated_at", records)
    assert (resolved["true_person_id"].to_numpy() == frame["true_person_id"].to_numpy()).all()
    first = records.sort_values("signup_at", kind="stable").drop_duplicates("true_person_id")
    signed_up = first.set_index("true_person_id")["signup_at"]
    assert (signed_up.reindex(frame["true_person_id"]) <= CALL_AT - pd.Timedelta(days=14)).all()
    reused = records[records["customer_ref"].duplicated(keep=False)]
    first_owners = reused.sort_values("signup_at").drop_duplicates("customer_ref")["true_person_id"]
    eligible_people = set(signed_up.index[signed_up <= CALL_AT - pd.Timedelta(days=14)])
    assert set(frame["true_person_id"]) == eligible_people - set(first_owners)
    # outcomes from the campaign's own potential outcomes, in its own 21-day window
    expected = np.where(frame["treated"], frame["y_treated"], frame["y_control"])
    assert (frame["converted"] == expected).all()
    assert ((frame["revenue"] > 0) == frame["converted"]).all()
    window_end = CALL_AT + pd.Timedelta(days=21)
    assert ((frame["outcome_at"] >= CALL_AT) & (frame["outcome_at"] <= window_end)).all()
    assert (frame.loc[~frame["converted"], "outcome_at"] == window_end).all()
    realised = manifest["call_campaign"]["realised"]
    assert realised["calls"] == int(frame["treated"].sum())
    assert realised["accounts_called"] == frame.loc[frame["treated"], "account_ref"].nunique()


def test_call_assignment_favours_large_and_declining_accounts(world: tuple[Path, dict]) -> None:
    directory = world[0]
    frame = _call_frame(directory)
    accounts = frame.groupby("account_ref").agg(
        called=("treated", "first"), propensity=("propensity", "first"), users=("true_person_id", "size")
    )
    assert accounts["propensity"].between(0.05, 0.80).all()
    # the realised calls are a draw of the recorded propensities (within 4 standard deviations)
    p = accounts["propensity"]
    assert abs(accounts["called"].sum() - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum())
    called, other = accounts[accounts["called"]], accounts[~accounts["called"]]
    assert called["users"].mean() > 1.1 * other["users"].mean()
    # declining accounts: fewer active days in the 21 days before the call than in the first 21 days
    activity = _read(directory, "activity")
    account_of = _records(directory).drop_duplicates("customer_ref").set_index("customer_ref")["account_ref"]
    days = pd.to_datetime(activity["activity_date"])
    start = pd.Timestamp("2025-09-03")
    early = (days >= start) & (days < start + pd.Timedelta(days=21))
    recent = (days >= CALL_AT - pd.Timedelta(days=21)) & (days < CALL_AT)
    acct = account_of.reindex(activity["customer_ref"]).to_numpy()
    ratio = (pd.Series(recent.to_numpy()).groupby(acct).sum() + 1) / (
        pd.Series(early.to_numpy()).groupby(acct).sum() + 1
    )
    assert ratio.reindex(called.index).mean() < ratio.reindex(other.index).mean() - 0.05
    assert p.reindex(called.index).mean() > p.reindex(other.index).mean() + 0.05


def test_call_effects_have_the_documented_signs(world: tuple[Path, dict]) -> None:
    frame = _call_frame(world[0])
    assert np.array_equal(
        frame["true_uplift"].to_numpy(), (frame["p_treated"] - frame["p_control"]).to_numpy()
    )
    other = frame[~frame["dog_admin_account"]]
    by = {name: group["true_uplift"] for name, group in other.groupby("archetype")}
    assert (by["persuadable"] >= 0.05).all() and by["persuadable"].max() <= 0.35
    assert (by["sleeping_dog"] < 0).all()
    assert by["sure_thing"].abs().max() <= 0.02
    assert by["lost_cause"].abs().max() <= 0.005 + 1e-12
    # persuadables gain more in big accounts
    users = frame.groupby("account_ref")["true_person_id"].transform("size")
    persuadable = frame["archetype"].eq("persuadable") & ~frame["dog_admin_account"]
    big, small = persuadable & (users >= 20), persuadable & (users <= 4)
    assert frame.loc[big, "true_uplift"].mean() > frame.loc[small, "true_uplift"].mean() + 0.03
    # an account whose admin is a sleeping dog: a call hurts every one of its users
    hurt = frame[frame["dog_admin_account"]]
    assert len(hurt) > 0 and (hurt["true_uplift"] < 0).all()
    # coupled draws, as in the nudge
    up, down = frame["true_uplift"] > 0, frame["true_uplift"] < 0
    assert not (frame["y_control"] & ~frame["y_treated"] & up).any()
    assert not (frame["y_treated"] & ~frame["y_control"] & down).any()


def test_call_naive_difference_is_not_the_true_effect(world: tuple[Path, dict]) -> None:
    frame = _call_frame(world[0])
    realised = world[1]["call_campaign"]["realised"]
    called, control = frame[frame["treated"]], frame[~frame["treated"]]
    naive = called["converted"].mean() - control["converted"].mean()
    true = called["true_uplift"].mean()
    assert realised["naive_called_minus_control_conversion"] == round(naive, 6)
    assert realised["mean_true_uplift_called"] == round(true, 6)
    # called accounts convert less on their own (declining users), so the naive difference understates
    assert called["p_control"].mean() < control["p_control"].mean() - 0.01
    assert naive < true - 0.005


def test_truth_effects_of_the_nudge_are_truth_users(world: tuple[Path, dict]) -> None:
    directory = world[0]
    effects = _read(directory, "truth_effects")
    assert not effects.duplicated(["campaign_id", "true_person_id"]).any()
    nudge = _nudge_rows(effects)
    users = _read(directory, "truth_users").set_index("true_person_id").reindex(nudge["true_person_id"])
    for column in (
        "account_ref",
        "archetype",
        "p_control",
        "p_treated",
        "true_uplift",
        "y_control",
        "y_treated",
    ):
        assert (nudge[column].to_numpy() == users[column].to_numpy()).all(), column
    treatments = _nudge_rows(_read(directory, "treatments"))
    assert (nudge.loc[~treatments["eligible"].to_numpy(), "propensity"] == 0).all()
    assert nudge.loc[treatments["eligible"].to_numpy(), "propensity"].between(0.12, 0.75).all()


@pytest.mark.parametrize("input_file", ["transactions", "activity"])
def test_recount_rules_follow_the_seeds_first_match_order(input_file: str) -> None:
    """The simulator recounts its injected defects with the first-match rules of seed cleaning_rules (the
    ones it injects, in the seed's order), so the manifest's counts are the ones dbt must find."""
    seed = pd.read_csv(Path(__file__).resolve().parents[2] / "seeds" / "cleaning_rules.csv")
    rows = seed[(seed["input_file"] == input_file) & (seed["line_status"] == "excluded")]
    seed_order = rows.sort_values("rule_order")["rule"].tolist()
    simulated = list(TRANSACTION_RULES if input_file == "transactions" else ACTIVITY_RULES)
    assert set(simulated) <= set(seed_order)
    assert simulated == [rule for rule in seed_order if rule in simulated]
