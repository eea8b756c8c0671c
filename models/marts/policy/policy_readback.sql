-- The readback of a cycle (var readback_campaign_id): per channel and overall, the realised lift of
-- the targeted customers over the customers of the held-out accounts, its interval, the policy's estimate
-- made before the cycle, and whether that estimate lies in the interval; the true lift as an audit where
-- the input has truth. Empty without the var. Estimand and interval: earmark.readback.
with

lift as (

    select * from {{ ref('int_policy_readback_lift') }}

),

final as (

    select
        -- ids
        cast(channel as {{ dbt.type_string() }}) as channel,

        -- groups
        cast(targeted_customers as bigint) as targeted_customers,
        cast(targeted_accounts as bigint) as targeted_accounts,
        cast(held_out_customers as bigint) as held_out_customers,
        cast(held_out_accounts as bigint) as held_out_accounts,

        -- realised
        cast(targeted_conversion_rate as double) as targeted_conversion_rate,
        cast(held_out_conversion_rate as double) as held_out_conversion_rate,
        cast(realised_lift as double) as realised_lift,
        cast(lift_std_error as double) as lift_std_error,
        cast(lift_lower as double) as lift_lower,
        cast(lift_upper as double) as lift_upper,

        -- estimated beforehand
        cast(estimated_lift as double) as estimated_lift,
        cast(estimated_lift - realised_lift as double) as estimate_minus_realised,
        estimated_lift between lift_lower and lift_upper as is_estimate_in_interval,

        -- truth (audit only; null without truth files)
        cast(true_lift as double) as true_lift,
        true_lift between lift_lower and lift_upper as is_true_lift_in_interval,

        -- deprecated: the former names of targeted_customers and held_out_customers, kept for one release
        cast(targeted_customers as bigint) as targeted_users,
        cast(held_out_customers as bigint) as held_out_users

    from lift

)

select * from final
