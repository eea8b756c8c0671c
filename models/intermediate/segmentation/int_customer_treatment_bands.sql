-- The treatment band of every customer: seed treatment_band_rules, the most restrictive applicable band
-- wins (lowest band_rank), 'standardized' when none applies. Rules that rest on clusters or personas, and
-- every band above standardized, need a 'differentiate' verdict; without one they do not apply.
-- value_tier is 'top' for the customers whose CLV (int_customer_value) is in the top
-- review_top_value_share of the valued customers, 'other' for the rest, null where nothing is valued: the
-- seed sends 'top' to review, so no rule can send a customer of the highest value to automation.
with

customers as (

    select * from {{ ref('int_customer_features') }}

),

assignments as (

    select * from {{ ref('int_segmentation_assignments') }}

),

personas as (

    select * from {{ ref('int_cluster_personas_assigned') }}

),

verdict as (

    select verdict from {{ ref('int_segmentation_verdict') }}
    where criterion = 'overall'

),

customer_value as (

    select * from {{ ref('int_customer_value') }}

),

top_value as (

    select quantile_cont(clv, 1 - {{ var('review_top_value_share') }}) as min_top_clv
    from customer_value
    where clv is not null

),

rules as (

    select * from {{ ref('treatment_band_rules') }}

),

customer_attributes as (

    select
        customers.customer_id,
        customers.rfm_segment,
        personas.persona,
        cast(assignments.is_outlier as varchar) as is_outlier,
        case
            when customer_value.clv >= top_value.min_top_clv then 'top'
            when customer_value.clv is not null then 'other'
        end as value_tier,
        coalesce(verdict.verdict = 'differentiate', false) as is_differentiated

    from customers
    left join assignments on customers.customer_id = assignments.customer_id
    left join personas on assignments.cluster_id = personas.cluster_id
    left join customer_value on customers.customer_id = customer_value.customer_id
    cross join verdict
    cross join top_value

),

applicable as (

    select
        customer_attributes.customer_id,
        rules.band,
        rules.band_rank,
        rules.reason

    from customer_attributes
    inner join rules
        on
            (
                (rules.match_column = 'rfm_segment' and customer_attributes.rfm_segment = rules.match_value)
                or (rules.match_column = 'persona' and customer_attributes.persona = rules.match_value)
                or (rules.match_column = 'is_outlier' and customer_attributes.is_outlier = rules.match_value)
                or (rules.match_column = 'value_tier' and customer_attributes.value_tier = rules.match_value)
            )
            and (customer_attributes.is_differentiated or not rules.needs_differentiate_verdict)
            -- no band above standardized without a passing verdict
            and (customer_attributes.is_differentiated or rules.band_rank <= 2)

),

most_restrictive as (

    select
        customer_id,
        band,
        band_rank,
        reason,
        row_number() over (partition by customer_id order by band_rank, reason) as band_choice

    from applicable

)

select
    customer_attributes.customer_id,
    coalesce(most_restrictive.band, 'standardized') as treatment_band,
    coalesce(most_restrictive.band_rank, 2) as treatment_band_rank,
    coalesce(
        most_restrictive.reason,
        case
            when customer_attributes.is_differentiated then 'No band rule applies: the standard treatment'
            else 'Segmentation verdict is standardize: everyone gets the standard treatment'
        end
    ) as treatment_band_reason

from customer_attributes
left join most_restrictive
    on
        customer_attributes.customer_id = most_restrictive.customer_id
        and most_restrictive.band_choice = 1
