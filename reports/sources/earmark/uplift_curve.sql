-- The Qini curve with its bootstrap band and the random line.
select * from main.uplift_curve
