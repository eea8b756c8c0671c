-- The gains table of the out-of-fold churn scores by decile.
select * from main.churn_gains
