-- One row per RFM segment: its size, what sets it apart from the whole customer base, KPI deltas
-- against the base, and the recommended actions and risks from the seed rfm_segment_actions.
with

customers as (

    select * from {{ ref('int_customer_features') }}

),

actions as (

    select * from {{ ref('rfm_segment_actions') }}

),

feature_values as (

    unpivot (
        select
            customer_id,
            rfm_segment,
            cast(recency_days as double) as recency_days,
            cast(frequency as double) as frequency,
            monetary,
            average_order_value,
            cast(tenure_days as double) as tenure_days,
            cancellation_rate,
            repeat_rate,
            seasonality,
            spend_momentum,
            activity_momentum,
            intensity
        from customers
    )
    on columns(* exclude (customer_id, rfm_segment))
    into name feature value feature_value

),

population_stats as (

    select
        feature,
        -- rounded: float sums vary in their last bits with the order rows are added in
        round(avg(feature_value), 9) as population_mean,
        round(stddev_pop(feature_value), 9) as population_sd

    from feature_values
    group by feature

),

segment_stats as (

    select
        rfm_segment,
        feature,
        round(avg(feature_value), 9) as segment_mean

    from feature_values
    group by rfm_segment, feature

),

standardised as (

    select
        segment_stats.rfm_segment,
        segment_stats.feature,
        (segment_stats.segment_mean - population_stats.population_mean)
        / nullif(population_stats.population_sd, 0) as standardised_difference

    from segment_stats
    inner join population_stats on segment_stats.feature = population_stats.feature

),

ranked_traits as (

    select
        *,
        row_number() over (
            partition by rfm_segment order by abs(standardised_difference) desc, feature
        ) as trait_rank

    from standardised
    where standardised_difference is not null

),

traits as (

    select
        rfm_segment,
        string_agg(
            feature || ' ' || case when standardised_difference >= 0 then '+' else '' end
            || cast(round(standardised_difference, 2) as varchar) || ' sd',
            '; ' order by trait_rank
        ) as distinctive_traits

    from ranked_traits
    where trait_rank <= 3
    group by rfm_segment

),

population as (

    select
        count(*) as population_customers,
        round(avg(recency_days), 9) as population_recency_days,
        round(avg(frequency), 9) as population_frequency,
        -- monetary is a double: summed as fixed point, so the total and mean do not depend on the order
        -- rows are added in (a rounded float mean can fall either side of a half in its last place)
        round(cast(avg(cast(monetary as decimal(38, 10))) as double), 9) as population_monetary,
        round(cast(sum(cast(monetary as decimal(38, 10))) as double), 6) as population_total_monetary

    from customers

),

segments as (

    select
        rfm_segment,
        count(*) as customers,
        round(avg(recency_days), 9) as avg_recency_days,
        round(avg(frequency), 9) as avg_frequency,
        round(cast(avg(cast(monetary as decimal(38, 10))) as double), 9) as avg_monetary,
        round(cast(sum(cast(monetary as decimal(38, 10))) as double), 6) as total_monetary,
        count(*) filter (where is_premium) as premium_customers

    from customers
    group by rfm_segment

),

final as (

    select
        -- ids
        segments.rfm_segment,

        -- dimensions
        actions.description,
        traits.distinctive_traits,
        actions.recommended_actions,
        actions.risks,

        -- size
        segments.customers,
        segments.customers / population.population_customers as share_of_customers,
        segments.total_monetary / nullif(population.population_total_monetary, 0) as share_of_monetary,
        segments.premium_customers,

        -- kpis and their relative difference to the whole base
        segments.avg_recency_days,
        segments.avg_frequency,
        segments.avg_monetary,
        segments.avg_recency_days / nullif(population.population_recency_days, 0) - 1
            as recency_delta_vs_population,
        segments.avg_frequency / nullif(population.population_frequency, 0) - 1 as frequency_delta_vs_population,
        segments.avg_monetary / nullif(population.population_monetary, 0) - 1 as monetary_delta_vs_population

    from segments
    cross join population
    left join actions on segments.rfm_segment = actions.segment
    left join traits on segments.rfm_segment = traits.rfm_segment

)

select * from final
