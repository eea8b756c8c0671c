-- Sorted group average effects per meta-learner and arm, with their doubly robust intervals.
select *
from main.uplift_effect_groups
