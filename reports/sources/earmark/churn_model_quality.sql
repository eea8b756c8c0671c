-- The churn model's labelled rows, churners, base rate and out-of-fold AUC, or why not estimable.
select * from main.churn_model_quality
