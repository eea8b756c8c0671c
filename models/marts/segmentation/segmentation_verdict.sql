-- Is differentiated treatment defensible? One row per criterion with its value, threshold and result,
-- and an 'overall' row: differentiate only when every criterion passes, otherwise standardize.
select
    -- ids
    criterion,

    -- numerics
    value,
    threshold,

    -- decision
    passed,
    verdict,
    detail

from {{ ref('int_segmentation_verdict') }}
