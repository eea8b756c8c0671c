-- One row per resolved customer, described by its most recent record (latest signup; ties broken by the
-- record id, a hash of its values, so the choice does not depend on row order).
with

records as (

    select * from {{ ref('int_customer_records_keyed') }}
    where not is_duplicate_record

),

raw_rows as (

    select * from {{ ref('stg_raw__customers') }}

),

per_customer as (

    select
        customer_id,
        min(matching_key) as matching_key,
        count(*) as record_count,
        count(distinct customer_ref) as customer_ref_count,
        min(signup_at) as first_signup_at,
        bool_or(is_premium) as is_premium,
        bool_or(role = 'admin') as is_admin

    from records
    group by customer_id

),

ranked_records as (

    select
        customer_id,
        customer_row_number,
        row_number() over (
            partition by customer_id
            order by signup_at desc nulls last, customer_record_id asc
        ) as recency_rank

    from records

),

described as (

    select
        per_customer.*,
        {{ star_except(['customer_row_number', 'customer_ref', 'is_premium', 'signup_at'], 'raw_rows') }}  -- noqa: RF02

    from per_customer
    inner join ranked_records
        on
            per_customer.customer_id = ranked_records.customer_id
            and ranked_records.recency_rank = 1
    inner join raw_rows
        on ranked_records.customer_row_number = raw_rows.customer_row_number

)

select * from described
