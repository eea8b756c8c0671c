-- Deprecated: the former name of customer_uplift_scores, kept for one release so that existing queries
-- keep working. The same rows and columns in their old order, the key under its old name
-- user_arm_score_id, and the new key customer_arm_score_id beside it to move to. Goes in the next release.
with

scores as (

    select * from {{ ref('customer_uplift_scores') }}

),

final as (

    -- the old key first, every other column in its old place, and the replacement's key last to move to
    select
        customer_arm_score_id as user_arm_score_id,
        {{ star_except(['customer_arm_score_id']) }},
        customer_arm_score_id

    from scores

)

select * from final
