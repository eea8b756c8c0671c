-- Who owned each raw customer reference when. A reference reused by a later person passes to them at
-- that person's signup; the first owner also holds everything before it. Dated rows (sales, activity,
-- treatments) are attributed through these periods. The open ends are far-off dates rather than DuckDB's
-- infinity, which Spark and most warehouses cannot store.
with

records as (

    select * from {{ ref('int_customer_records_keyed') }}

),

owners as (

    select
        customer_ref,
        customer_id,
        min(signup_at) as owner_since

    from records
    group by customer_ref, customer_id

),

ordered as (

    select
        *,
        row_number() over (
            partition by customer_ref order by owner_since nulls first, customer_id
        ) as owner_sequence

    from owners

),

periods as (

    select
        customer_ref || '#' || cast(owner_sequence as {{ dbt.type_string() }}) as customer_ref_period_id,
        customer_ref,
        customer_id,
        owner_sequence,
        owner_since,
        case
            when owner_sequence = 1 then cast('1000-01-01 00:00:00' as timestamp)
            else owner_since
        end as valid_from,
        coalesce(
            lead(owner_since) over (partition by customer_ref order by owner_sequence),
            cast('9999-12-31 00:00:00' as timestamp)
        ) as valid_to

    from ordered

)

select * from periods
