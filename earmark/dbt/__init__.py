"""What the dbt Python models share, so that each model stays a thin call into the tested package.

- `model_io.py`: the run parameters (int_run_parameters) as Python values, and typed empty frames.
- `model_cache.py`: reuse a Python model's result when its inputs, parameters and code are unchanged.
- `segmentation.py`: one function per segmentation model, over the clustering space built once.
- `uplift.py`: the uplift models' shared inputs (campaign rows, stable keys, covariates) and the learner
  choice and policy values; `uplift_scores.py` and `uplift_validation.py`: the fit and its validation.
- `value.py`: the customer value models (BG/NBD and Gamma-Gamma fits, CLV per customer, the holdout
  check per frequency bucket).
"""

import os

# scikit-learn's OpenMP threads (gradient boosting, k-means) otherwise spin while they wait for work, and on
# a busy machine the spinning starves the thread that has it: a gradient boosting fit of 15,000 rows took
# 0.6 s on one thread and 2-15 s on two (docs/benchmarks.md, "Profile"). Waiting passively keeps the
# parallelism. Set before scikit-learn loads its OpenMP runtime, which reads it once; a value the caller
# set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
