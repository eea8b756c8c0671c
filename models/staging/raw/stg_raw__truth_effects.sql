with

source as (

    select * from {{ raw_source_or_empty('truth_effects') }}

),

renamed as (

    select
        -- ids
        cast(campaign_id as {{ dbt.type_string() }}) || ':' || cast(true_person_id as {{ dbt.type_string() }})
            as truth_effect_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(true_person_id as {{ dbt.type_string() }}) as true_person_id,
        cast(account_ref as {{ dbt.type_string() }}) as account_ref,

        -- dimensions
        cast(archetype as {{ dbt.type_string() }}) as archetype,

        -- numerics
        cast(propensity as double) as propensity,
        cast(p_control as double) as p_control,
        cast(p_treated as double) as p_treated,
        cast(true_uplift as double) as true_uplift,

        -- booleans
        cast(y_control as boolean) as y_control,
        cast(y_treated as boolean) as y_treated

    from source

)

select * from renamed
