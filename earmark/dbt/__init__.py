"""What the dbt Python models share, so that each model stays a thin call into the tested package.

- `model_cache.py`: reuse a Python model's result when its inputs, parameters and code are unchanged.
- `segmentation.py`: the segmentation models' inputs from dbt (config from vars, feature frames) and their
  typed outputs.
- `uplift.py`: the uplift models' inputs from dbt (training and scoring frames, parameters) and their typed
  outputs.
"""
