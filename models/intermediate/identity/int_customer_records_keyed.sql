-- Every raw customer row with its matching key and the resolved customer it belongs to.
-- Records sharing a normalised e-mail are one customer; without an e-mail the raw reference is the key,
-- so a reference reused by people with different e-mails splits into separate customers.
-- The flags of the customers' cleaning rules are here (data_quality counts them in the seed's order).
{%- set rules = {} %}

with

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

keyed as (

    select
        customer_row_number,
        customer_ref,
        email,
        account_ref,
        role,
        country,
        is_premium,
        -- a signup outside the plausible window is unknown, not a date (kept: data_quality counts it)
        case when not {{ is_implausible_date('signup_at') }} then signup_at end as signup_at,
        signup_at is not null and {{ is_implausible_date('signup_at') }}
            as {{ rule_flag(rules, 'implausible_signup') }},
        {{ normalise_matching_key('email') }} as email_key

    from customers

),

with_keys as (

    select
        *,
        coalesce('email:' || email_key, 'ref:' || customer_ref) as matching_key,
        -- a record is one (raw reference, raw e-mail) pair; repeated rows of it are the same record
        row_number() over (
            partition by customer_ref, email
            order by signup_at nulls last, customer_row_number
        ) > 1 as {{ rule_flag(rules, 'duplicate_record') }}

    from keyed

),

resolved as (

    select
        *,
        -- deterministic: a function of the key alone, whatever the row order of the input
        'C' || left(md5(matching_key), 16) as customer_id,
        md5(customer_ref || '|' || coalesce(email, '')) as customer_record_id

    from with_keys

)

select * from resolved
{%- do assert_rules_match_seed(
    'cleaning_rules', 'for input_file customers', cleaning_rule_names('customers'), rules
) %}
