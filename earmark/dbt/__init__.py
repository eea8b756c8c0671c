"""What the dbt Python models share, so that each model stays a thin call into the tested package.

- `model_io.py`: the run parameters (int_run_parameters) as Python values, and typed empty frames.
- `model_cache.py`: reuse a Python model's result when its inputs, parameters and code are unchanged.
- `segmentation.py`: one function per segmentation model, over the clustering space built once.
- `uplift.py`: the uplift models' shared inputs (campaign rows, stable keys, covariates) and the learner
  choice and policy values; `uplift_scores.py` and `uplift_validation.py`: the fit and its validation.
- `value.py`: the customer value models (BG/NBD and Gamma-Gamma fits, CLV per customer, the holdout
  check per frequency bucket).
"""
