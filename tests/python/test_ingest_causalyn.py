"""Causalyn ingest: a tiny synthetic folder, errors that name file and column, and the real case study,
including an independent re-derivation of the case study's account policy from the written files."""

from __future__ import annotations

import warnings
from datetime import datetime

import pandas as pd
import pyarrow.parquet as pq
import pytest

from earmark import contract
from earmark.cli import main
from earmark.contract.validate import validate_dir
from earmark.ingest.causalyn import (
    NOMINAL_TRUTH,
    accounts_schema,
    customers_schema,
    ingest_causalyn,
    outcomes_schema,
)

pytestmark = pytest.mark.unit

SMALL = {
    "accounts_raw.csv": [
        "account_id,account_created_date,plan_tier,industry,seat_count,cs_assigned_flag,account_health_score",
        "acct_1,2023-03-11,starter,Education,17,0,0.55",
        "acct_2,2023-06-15,enterprise,Retail,288,1,0.5",
    ],
    "users_raw.csv": [
        "user_id,account_id,user_created_date,role_type,geo_region,invited_by_user_id",
        "u1,acct_1,2023-04-03,admin,LATAM,",
        "u2,acct_1,2023-03-13,basic,NA,unknown_user",
        "u3,acct_2,2023-03-20,power_user,EU,",
    ],
    "interventions_raw.csv": [
        "intervention_id,user_id,account_id,intervention_date,eligibility_flag,treatment_flag,delivery_channel",
        "i1,u1,acct_1,2023-04-21,1,1,email",
        "i2,u2,acct_1,2023-04-22,1,0,in_app",
        "i3,u3,acct_2,2023-05-01,1,1,both",
    ],
    "outcomes_raw.csv": [
        "user_id,intervention_id,collab_activated_flag,activation_date,outcome_window_days",
        "u1,i1,1.0,2023-04-30,21",
        "u2,i2,0.0,,21",
        "u3,i3,,,21",
    ],
    "user_uplift_scores.csv": [
        "user_id,account_id,intervention_id,pred_uplift,treatment_flag,collab_activated_flag",
        "u1,acct_1,i1,0.16,1,1.0",
        "u2,acct_1,i2,-0.2,0,0.0",
    ],
    "latent_uplift_groups_hidden.csv": [
        "user_id,latent_uplift_group",
        "u1,persuadable",
        "u2,sleeping_dog",
        "u3,lost_cause",
    ],
}

CAMPAIGN = "causalyn_collab_nudge"


def _folder(tmp_path, files=SMALL, **replace):
    folder = tmp_path / "causalyn"
    folder.mkdir(exist_ok=True)
    for name, lines in {**files, **replace}.items():
        if lines is not None:
            (folder / name).write_text("\n".join(lines) + "\n")
    return folder


def test_small_folder_becomes_the_contract(tmp_path):
    raw = tmp_path / "raw"
    counts = ingest_causalyn(_folder(tmp_path), raw)
    assert counts == {
        "customers": 3,
        "accounts": 2,
        "treatments": 3,
        "outcomes": 3,
        "uplift_scores": 2,
        "truth_users": 3,
        "transactions": 0,
        "activity": 0,
    }
    customers = pq.read_table(raw / "customers.parquet")
    assert customers.schema.equals(customers_schema())
    assert customers.to_pylist()[1] == {
        "customer_ref": "u2",
        "email": None,
        "account_ref": "acct_1",
        "role": "user",
        "signup_at": datetime(2023, 3, 13),
        "country": "NA",  # North America, not a missing value
        "is_premium": None,
        "role_type": "basic",
        "invited": True,
    }
    assert customers.column("role").to_pylist() == ["admin", "user", "user"]
    assert customers.column("invited").to_pylist() == [False, True, False]

    accounts = pq.read_table(raw / "accounts.parquet")
    assert accounts.schema.equals(accounts_schema())
    assert accounts.to_pylist()[1] == {
        "account_ref": "acct_2",
        "plan": "enterprise",
        "seats": 288,
        "annual_value": None,
        "created_at": datetime(2023, 6, 15),
        "industry": "Retail",
        "cs_assigned": True,
        "account_health_score": 0.5,
    }

    treatments = pq.read_table(raw / "treatments.parquet")
    assert treatments.schema.equals(contract.arrow_schema(contract.TREATMENTS))
    assert treatments.to_pylist()[1] == {
        "campaign_id": CAMPAIGN,
        "customer_ref": "u2",
        "eligible": True,
        "treated": False,
        "arm": "control",
        "channel": "in_app",
        "treated_at": datetime(2023, 4, 22),
    }
    assert treatments.column("arm").to_pylist() == ["nudge", "control", "nudge"]

    outcomes = pq.read_table(raw / "outcomes.parquet")
    assert outcomes.schema.equals(outcomes_schema())
    assert [(r["converted"], r["outcome_at"], r["intervention_id"]) for r in outcomes.to_pylist()] == [
        (True, datetime(2023, 4, 30), "i1"),
        (False, None, "i2"),
        (None, None, "i3"),  # outcome not observed
    ]
    assert set(outcomes.column("revenue").to_pylist()) == {None}

    scores = pq.read_table(raw / "uplift_scores.parquet")
    assert scores.schema.equals(contract.arrow_schema(contract.UPLIFT_SCORES))
    assert scores.to_pylist() == [
        {
            "customer_ref": "u1",
            "campaign_id": CAMPAIGN,
            "arm": "nudge",
            "predicted_uplift": 0.16,
            "scored_at": None,
        },
        {
            "customer_ref": "u2",
            "campaign_id": CAMPAIGN,
            "arm": "nudge",
            "predicted_uplift": -0.2,
            "scored_at": None,
        },
    ]

    truth = pq.read_table(raw / "truth_users.parquet")
    assert truth.schema.equals(contract.arrow_schema(contract.TRUTH_USERS))
    rows = truth.to_pylist()
    assert [(r["true_person_id"], r["account_ref"], r["archetype"]) for r in rows] == [
        ("u1", "acct_1", "persuadable"),
        ("u2", "acct_1", "sleeping_dog"),
        ("u3", "acct_2", "lost_cause"),
    ]
    for row in rows:
        p_control, p_treated, y_control, y_treated = NOMINAL_TRUTH[row["archetype"]]
        assert (row["p_control"], row["p_treated"]) == (p_control, p_treated)
        assert row["true_uplift"] == pytest.approx(p_treated - p_control)
        assert (row["y_control"], row["y_treated"]) == (y_control, y_treated)

    for entity in (contract.TRANSACTIONS, contract.ACTIVITY):
        empty = pq.read_table(raw / entity.file_name)
        assert empty.num_rows == 0 and empty.schema.equals(contract.arrow_schema(entity))
    assert validate_dir(raw) == []


def test_optional_files_may_be_absent(tmp_path):
    raw = tmp_path / "raw"
    ingest_causalyn(_folder(tmp_path), raw)
    assert (raw / "truth_users.parquet").exists()
    folder = tmp_path / "without"
    folder.mkdir()
    for name, lines in SMALL.items():
        if name not in ("user_uplift_scores.csv", "latent_uplift_groups_hidden.csv"):
            (folder / name).write_text("\n".join(lines) + "\n")
    counts = ingest_causalyn(folder, raw)
    assert "uplift_scores" not in counts and "truth_users" not in counts
    # A stale file from the earlier run is removed rather than left to contradict this one.
    assert not (raw / "truth_users.parquet").exists() and not (raw / "uplift_scores.parquet").exists()
    assert validate_dir(raw) == []


def test_repeated_user_interventions_are_kept_with_a_warning(tmp_path):
    interventions = [*SMALL["interventions_raw.csv"], "i4,u1,acct_1,2023-06-01,1,0,email"]
    outcomes = [*SMALL["outcomes_raw.csv"], "u1,i4,0.0,,21"]
    folder = _folder(tmp_path, **{"interventions_raw.csv": interventions, "outcomes_raw.csv": outcomes})
    with pytest.warns(UserWarning, match=r"1 users have several interventions \(2 rows\)"):
        counts = ingest_causalyn(folder, tmp_path / "raw")
    assert counts["treatments"] == counts["outcomes"] == 4


def test_errors_name_file_and_column(tmp_path):
    no_role = [line.replace(",role_type", "") for line in SMALL["users_raw.csv"][:1]]
    folder = _folder(tmp_path, **{"users_raw.csv": no_role})
    with pytest.raises(ValueError, match=r"users_raw\.csv: missing column 'role_type'"):
        ingest_causalyn(folder, tmp_path / "raw")

    bad_flag = [*SMALL["interventions_raw.csv"][:3], "i3,u3,acct_2,2023-05-01,1,yes,both"]
    folder = _folder(tmp_path, **{"interventions_raw.csv": bad_flag})
    with pytest.raises(ValueError, match=r"interventions_raw\.csv: column 'treatment_flag': 1 values"):
        ingest_causalyn(folder, tmp_path / "raw")

    orphan = [*SMALL["outcomes_raw.csv"][:3], "u3,i9,0.0,,21"]
    folder = _folder(tmp_path, **{"outcomes_raw.csv": orphan})
    with pytest.raises(ValueError, match=r"outcomes_raw\.csv: column 'intervention_id': 1 values name no"):
        ingest_causalyn(folder, tmp_path / "raw")

    unknown = [*SMALL["latent_uplift_groups_hidden.csv"][:3], "u3,undecided"]
    folder = _folder(tmp_path, **{"latent_uplift_groups_hidden.csv": unknown})
    with pytest.raises(
        ValueError, match=r"hidden\.csv: column 'latent_uplift_group': 1 values .*'undecided'"
    ):
        ingest_causalyn(folder, tmp_path / "raw")

    duplicate = [*SMALL["accounts_raw.csv"], SMALL["accounts_raw.csv"][1]]
    folder = _folder(tmp_path, **{"accounts_raw.csv": duplicate})
    with pytest.raises(ValueError, match=r"accounts_raw\.csv: column 'account_id': 1 values repeat"):
        ingest_causalyn(folder, tmp_path / "raw")

    (folder / "users_raw.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"users_raw\.csv"):
        ingest_causalyn(folder, tmp_path / "raw")


def test_cli(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["ingest", "causalyn", str(folder), "--out", str(tmp_path / "raw")]) == 0
    out = capsys.readouterr().out
    assert "customers 3" in out and "uplift_scores 2" in out


# --- the real case study ----------------------------------------------------------------------------------

SLEEPING_DOG_THRESHOLD = -0.01
VALUE_PER_ACTIVATION = 50.0
COST_PER_NUDGE = 1.0


def _case_study_policy(raw) -> pd.Series:
    """The case study's account decision, re-derived from the written files alone: scored users are the
    rows of uplift_scores, joined to customers for their account and role; gates in order, under the case
    study's own labels (toxic_admin and toxic_users are Earmark's gates admin_veto and toxic_customers)."""
    scores = pq.read_table(raw / "uplift_scores.parquet").to_pandas()
    customers = pq.read_table(raw / "customers.parquet", columns=["customer_ref", "account_ref", "role"])
    scored = scores.merge(customers.to_pandas(), on="customer_ref", how="inner", validate="many_to_one")
    assert len(scored) == len(scores)  # every score belongs to a known user

    def decide(users: pd.DataFrame) -> str:
        low = users["predicted_uplift"] < SLEEPING_DOG_THRESHOLD
        if (low & (users["role"] == "admin")).any():
            return "toxic_admin"
        if low.mean() > 0.10:
            return "toxic_users"
        if VALUE_PER_ACTIVATION * users["predicted_uplift"].sum() - COST_PER_NUDGE * len(users) <= 0:
            return "unprofitable"
        if len(users) < 2:
            return "too_small"
        return "treat"

    return scored.groupby("account_ref")[["predicted_uplift", "role"]].apply(decide)


@pytest.fixture(scope="module")
def causalyn_raw(datasets_dir, tmp_path_factory):
    raw = tmp_path_factory.mktemp("causalyn") / "raw"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the real folder has one intervention per user and no orphans
        counts = ingest_causalyn(datasets_dir / "causalyn", raw)
    return raw, counts


@pytest.mark.integration
def test_real_folder_counts_and_contract(causalyn_raw):
    raw, counts = causalyn_raw
    assert counts == {
        "customers": 28_607,
        "accounts": 2_500,
        "treatments": 12_610,
        "outcomes": 12_610,
        "uplift_scores": 11_853,
        "truth_users": 28_607,
        "transactions": 0,
        "activity": 0,
    }
    assert validate_dir(raw) == []

    treatments = pq.read_table(raw / "treatments.parquet").to_pandas()
    assert not treatments.duplicated(["campaign_id", "customer_ref"]).any()  # one intervention per user
    outcomes = pq.read_table(raw / "outcomes.parquet").to_pandas()
    assert outcomes["intervention_id"].is_unique
    assert int(outcomes["converted"].isna().sum()) == 757  # outcomes not observed
    # The scored users are exactly the interventions whose outcome was observed.
    scores = pq.read_table(raw / "uplift_scores.parquet").to_pandas()
    observed = set(outcomes.loc[outcomes["converted"].notna(), "customer_ref"])
    assert set(scores["customer_ref"]) == observed

    customers = pq.read_table(raw / "customers.parquet").to_pandas()
    assert customers["customer_ref"].is_unique
    assert customers["country"].value_counts().to_dict() == {
        "APAC": 7190,
        "EU": 7150,
        "LATAM": 7136,
        "NA": 7131,
    }
    assert int((customers["role"] == "admin").sum()) == 4_256
    truth = pq.read_table(raw / "truth_users.parquet").to_pandas()
    assert truth["archetype"].value_counts().to_dict() == {
        "lost_cause": 14_206,
        "persuadable": 6_721,
        "sure_thing": 5_783,
        "sleeping_dog": 1_897,
    }


@pytest.mark.integration
def test_real_folder_reproduces_the_case_study_policy(causalyn_raw):
    raw, _ = causalyn_raw
    decisions = _case_study_policy(raw)
    assert len(decisions) == 2_402
    counts = decisions.value_counts().to_dict()
    assert {
        k: counts.get(k, 0) for k in ("treat", "toxic_users", "toxic_admin", "too_small", "unprofitable")
    } == {
        "treat": 964,
        "toxic_users": 937,
        "toxic_admin": 281,
        "too_small": 220,
        "unprofitable": 0,
    }
