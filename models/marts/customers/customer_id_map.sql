-- Every raw customer row and the resolved customer it belongs to.
with

records as (

    select * from {{ ref('int_customer_records_keyed') }}

),

periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

final as (

    select
        -- ids
        records.customer_row_number,
        records.customer_record_id,
        records.customer_ref,
        records.customer_id,

        -- dimensions
        records.email,
        records.matching_key,
        periods.owner_sequence as ref_owner_sequence,

        -- booleans
        records.is_duplicate_record,

        -- timestamps
        records.signup_at

    from records
    left join periods
        on
            records.customer_ref = periods.customer_ref
            and records.customer_id = periods.customer_id

)

select * from final
