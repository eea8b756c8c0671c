-- Per meta-learner and arm: doubly robust policy value, gain over the T-learner, consistency, choice.
select *
from main.uplift_learner_comparison
