-- Every raw row of every cleaned input is either kept or excluded with exactly one reason:
-- per input, the rows data_quality assigns to its rules add up to the raw row count.
with

data_quality as (

    select * from {{ ref('data_quality') }}

),

assigned as (

    select
        input_file,
        sum(rows_assigned) as rows_assigned
    from data_quality
    group by input_file

),

raw_counts as (

    select
        'transactions' as input_file,
        count(*) as raw_rows
    from {{ ref('stg_raw__transactions') }}
    union all
    select
        'activity' as input_file,
        count(*) as raw_rows
    from {{ ref('stg_raw__activity') }}
    union all
    select
        'customers' as input_file,
        count(*) as raw_rows
    from {{ ref('stg_raw__customers') }}

)

select
    raw_counts.input_file,
    raw_counts.raw_rows,
    assigned.rows_assigned

from raw_counts
left join assigned on raw_counts.input_file = assigned.input_file
where assigned.rows_assigned is distinct from raw_counts.raw_rows
