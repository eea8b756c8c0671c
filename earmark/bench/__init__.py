"""`make bench` and its parts: timings and memory of each stage against baselines in the same run.

- `pipeline.py`: `earmark bench`, the whole pipeline by stage at several scales. It uses `stages.py`
  (the project's layers as groups of dbt nodes), `measure.py` (one stage as a measured process),
  `baselines.py` (the hand-written floor query and the pandas RFM table, both checked equal to dbt's) and
  `report.py` (the tables, and the section of docs/benchmarks.md they rewrite).
- `segmentation.py`: the segmentation steps one by one (`earmark bench-segmentation`).
- `uplift.py` and `uplift_libraries.py`: Earmark's uplift learners against causalml, EconML and
  scikit-uplift on the same rows (`earmark bench-uplift`).
"""
