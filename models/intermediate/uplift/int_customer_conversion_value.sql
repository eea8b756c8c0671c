-- What one conversion of each resolved customer is worth to the policy, by var conversion_value_source:
--   constant            value_per_conversion for everyone
--   conversion_revenue  the mean revenue of the logged campaigns' conversions in the customer's account,
--                       shrunk towards the mean of all conversions: (account revenue + w x overall mean)
--                       / (account conversions + w), w = conversion_value_prior_weight, so an account with
--                       few conversions borrows from everyone and a customer without an account gets the
--                       overall mean
--   clv                 the customer's CLV over value_horizon_days (int_customer_value); a customer the
--                       value models cannot value (no kept purchase, or no fit) gets the mean CLV
-- Either data-driven source falls back to value_per_conversion when the data hold no such value at all,
-- and conversion_value_basis says which value each customer got.
{% set source = var('conversion_value_source') %}
{% if source not in ('constant', 'conversion_revenue', 'clv') %}
    {{ exceptions.raise_compiler_error(
        "var conversion_value_source must be 'constant', 'conversion_revenue' or 'clv', not '" ~ source ~ "'"
    ) }}
{% endif %}
with

customers as (

    select * from {{ ref('int_customer_features') }}

),

{% if source == 'conversion_revenue' %}

    conversions as (

        select
            fold_group,
            revenue

        from {{ ref('int_campaign_training_set') }}
        where is_converted and revenue > 0

    ),

    overall as (

        -- fixed-point sums: a float sum's last bits depend on row order
        select cast(avg(cast(revenue as decimal(18, 4))) as double) as mean_revenue
        from conversions

    ),

    per_account as (

        select
            fold_group as account_ref,
            count(*) as conversions,
            cast(sum(cast(revenue as decimal(18, 4))) as double) as revenue

        from conversions
        where fold_group not like 'solo:%'
        group by fold_group

    ),

    valued as (

        select
            customers.customer_id,
            case
                when overall.mean_revenue is null then {{ var('value_per_conversion') }}
                else
                    (coalesce(per_account.revenue, 0) + {{ var('conversion_value_prior_weight') }} * overall.mean_revenue)
                    / (coalesce(per_account.conversions, 0) + {{ var('conversion_value_prior_weight') }})
            end as conversion_value,
            case
                when overall.mean_revenue is null then 'constant: no conversion revenue logged'
                when per_account.conversions is null then 'conversion_revenue: overall mean'
                else 'conversion_revenue: account mean, shrunk'
            end as conversion_value_basis

        from customers
        cross join overall
        left join per_account on customers.account_ref = per_account.account_ref

    ),

{% elif source == 'clv' %}

    customer_value as (

        select * from {{ ref('int_customer_value') }}

    ),

    overall as (

        select cast(avg(cast(clv as decimal(38, 10))) as double) as mean_clv
        from customer_value

    ),

    valued as (

        select
            customers.customer_id,
            coalesce(customer_value.clv, overall.mean_clv, {{ var('value_per_conversion') }}) as conversion_value,
            case
                when customer_value.clv is not null then 'clv'
                when overall.mean_clv is not null then 'clv: mean, customer not valued'
                else 'constant: no value model fitted'
            end as conversion_value_basis

        from customers
        cross join overall
        left join customer_value on customers.customer_id = customer_value.customer_id

    ),

{% else %}

    valued as (

        select
            customer_id,
            cast({{ var('value_per_conversion') }} as double) as conversion_value,
            'constant' as conversion_value_basis

        from customers

    ),

{% endif %}

final as (

    select
        customer_id,
        cast(conversion_value as double) as conversion_value,
        conversion_value_basis

    from valued

)

select * from final
