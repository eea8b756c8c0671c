with

source as (

    select * from {{ raw_source_or_empty('truth_identity') }}

),

renamed as (

    select
        md5(cast(customer_ref as varchar) || '|' || coalesce(cast(email as varchar), '')) as customer_record_id,
        cast(customer_ref as varchar) as customer_ref,
        cast(email as varchar) as email,
        cast(true_person_id as varchar) as true_person_id

    from source

)

select * from renamed
