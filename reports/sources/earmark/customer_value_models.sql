-- The fitted value models (full period and calibration) with their diagnostics.
select * from main.customer_value_models
