-- Per arm: target by the model (differentiate), or everyone alike (treat_all / treat_none), and why.
select *
from main.uplift_verdict
