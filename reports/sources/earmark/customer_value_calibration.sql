-- Predicted against actual holdout purchase days per calibration frequency bucket.
select * from main.customer_value_calibration
