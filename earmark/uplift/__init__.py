"""Causal uplift: whom does a treatment move, by how much, and how sure are we?

One pure, seeded, deterministic function per step, for thin dbt Python models to call on pandas frames
(one row per campaign x customer, an `arm` column, outcomes, covariates). These functions estimate; SQL
gates decide. Steps:

1. `design_matrix` / `design_spec` / `apply_design` (design.py): covariates to a float matrix (one-hot
   text, NaN kept).
2. `make_learner` (learners.py): the outcome model family ('hist_gradient_boosting', 'logistic' /
   'linear', 'random_forest').
3. `fit_t_learner` / `score_new` / `best_arm_net_of_cost` (tlearner.py): cross-fitted T-learner, every
   score out of fold; scoring customers outside the campaign; the arm worth its cost.
4. `treatment_propensity`, `ipw_weights`, `covariate_balance` (propensity.py): inverse-propensity
   weights when assignment was not randomised. The propensity baseline (who converts anyway) is
   `metalearners.outcome_ignoring_treatment`, from the meta-learners' own nuisance models.
5. `qini_curve`, `qini_coefficient`, `auuc`, `uplift_at`, `uplift_by_decile`, `evaluate_uplift`,
   `average_treatment_effect`, `bootstrap` (evaluation.py): held-out evaluation with stratified
   bootstrap intervals.
"""

from earmark.uplift.design import DesignSpec, apply_design, design_matrix, design_spec
from earmark.uplift.evaluation import (
    auuc,
    average_treatment_effect,
    bootstrap,
    evaluate_uplift,
    percentile_interval,
    qini_coefficient,
    qini_curve,
    uplift_at,
    uplift_by_decile,
)
from earmark.uplift.learners import LEARNERS, OUTCOME_TYPES, assign_folds, make_learner
from earmark.uplift.propensity import (
    covariate_balance,
    ipw_weights,
    propensity_auc,
    treated_mask,
    treatment_propensity,
)
from earmark.uplift.tlearner import (
    DEFAULT_MAX_TRAIN_ROWS,
    TLearnerResult,
    best_arm_net_of_cost,
    fit_t_learner,
    score_new,
)

__all__ = [
    "DEFAULT_MAX_TRAIN_ROWS",
    "LEARNERS",
    "OUTCOME_TYPES",
    "DesignSpec",
    "TLearnerResult",
    "apply_design",
    "assign_folds",
    "auuc",
    "average_treatment_effect",
    "best_arm_net_of_cost",
    "bootstrap",
    "covariate_balance",
    "design_matrix",
    "design_spec",
    "evaluate_uplift",
    "fit_t_learner",
    "ipw_weights",
    "make_learner",
    "percentile_interval",
    "propensity_auc",
    "qini_coefficient",
    "qini_curve",
    "score_new",
    "treated_mask",
    "treatment_propensity",
    "uplift_at",
    "uplift_by_decile",
]
