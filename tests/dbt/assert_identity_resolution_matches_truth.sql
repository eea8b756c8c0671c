-- With truth_identity present, pairwise precision and recall of the resolution are both at least 0.99.
select *
from {{ ref('identity_resolution') }}
where
    audited_records > 0
    and (pairwise_precision < 0.99 or pairwise_recall < 0.99)
