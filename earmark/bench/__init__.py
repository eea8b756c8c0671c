"""`make bench` and its parts: timings and memory of each stage against baselines in the same run.

- `pipeline.py`: the whole pipeline by stage, at several scales, against a hand-written floor query and
  pandas (`earmark bench`).
- `segmentation.py`: the segmentation steps one by one (`earmark bench-pipeline`).
- `uplift.py` and `uplift_libraries.py`: Earmark's uplift learners against causalml, EconML and
  scikit-uplift on the same rows (`earmark bench-uplift`).
"""
