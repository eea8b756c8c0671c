-- The treatment bands against the purchases and value they imply (int_customer_value), per band: customers,
-- how many the value models valued, mean expected purchases and P(alive), median CLV. The rule they are
-- reviewed by: more human touch must go with more expected purchases. Among the ranked bands
-- minimal_automated (1), standardized (2) and high_touch (3), a band whose mean expected purchases fall
-- below those of a band of lower rank is flagged is_below_a_lower_band; review (0) is a person's call and
-- not ranked by value. A flag asks for the band rules (seed treatment_band_rules) to be looked at; it does
-- not move anyone.
with

bands as (

    select * from {{ ref('int_customer_treatment_bands') }}

),

customer_value as (

    select * from {{ ref('int_customer_value') }}

),

per_band as (

    select
        bands.treatment_band,
        bands.treatment_band_rank,
        count(*) as customers,
        count(customer_value.expected_purchases) as valued_customers,
        -- fixed-point means, so they do not depend on the order rows are added in
        cast(avg(cast(customer_value.expected_purchases as decimal(38, 10))) as double) as mean_expected_purchases,
        cast(avg(cast(customer_value.probability_alive as decimal(38, 10))) as double) as mean_probability_alive,
        median(customer_value.clv) as median_clv

    from bands
    left join customer_value on bands.customer_id = customer_value.customer_id
    group by bands.treatment_band, bands.treatment_band_rank

),

lower_bands as (

    -- per ranked band, the highest mean expected purchases among the ranked bands of lower touch
    select
        band.treatment_band,
        max(lower_band.mean_expected_purchases) as lower_band_max_expected_purchases

    from per_band as band
    inner join per_band as lower_band
        on
            band.treatment_band_rank > lower_band.treatment_band_rank
            and lower_band.treatment_band_rank >= 1
    where band.treatment_band_rank >= 1
    group by band.treatment_band

),

final as (

    select
        -- ids
        per_band.treatment_band,
        per_band.treatment_band_rank,

        -- numerics
        per_band.customers,
        per_band.valued_customers,
        per_band.mean_expected_purchases,
        per_band.mean_probability_alive,
        per_band.median_clv,
        lower_bands.lower_band_max_expected_purchases,

        -- booleans
        coalesce(
            per_band.mean_expected_purchases < lower_bands.lower_band_max_expected_purchases, false
        ) as is_below_a_lower_band

    from per_band
    left join lower_bands on per_band.treatment_band = lower_bands.treatment_band

)

select * from final
