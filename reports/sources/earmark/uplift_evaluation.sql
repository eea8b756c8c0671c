-- Qini, AUUC, uplift at k and the average effect per arm and estimator, with bootstrap intervals.
select * from main.uplift_evaluation
