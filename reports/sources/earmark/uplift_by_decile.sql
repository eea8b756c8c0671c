-- Observed against predicted uplift per predicted-uplift decile (calibration).
select * from main.uplift_by_decile
