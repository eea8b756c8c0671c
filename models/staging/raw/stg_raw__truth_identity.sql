with

source as (

    select * from {{ raw_source_or_empty('truth_identity') }}

),

renamed as (

    select
        md5(
            cast(customer_ref as {{ dbt.type_string() }})
            || '|'
            || coalesce(cast(email as {{ dbt.type_string() }}), '')
        ) as customer_record_id,
        cast(customer_ref as {{ dbt.type_string() }}) as customer_ref,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(true_person_id as {{ dbt.type_string() }}) as true_person_id

    from source

)

select * from renamed
