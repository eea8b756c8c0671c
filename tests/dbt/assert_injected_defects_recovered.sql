-- When the input carries the simulator's manifest (truth_defects), the pipeline recovers every injected
-- defect count exactly: row exclusions from data_quality, identity merges and splits from
-- identity_resolution. Without a manifest there is nothing to compare and the test passes.
with

truth as (

    select * from {{ ref('stg_raw__truth_defects') }}

),

data_quality as (

    select * from {{ ref('data_quality') }}

),

identity as (

    select * from {{ ref('identity_resolution') }}

),

recovered as (

    select
        input_file,
        rule as defect,
        rows_assigned as row_count
    from data_quality
    union all
    select
        'customers' as input_file,
        'duplicate_person' as defect,
        records_merged as row_count
    from identity
    union all
    select
        'customers' as input_file,
        'reused_ref' as defect,
        records_split_off as row_count
    from identity

)

select
    truth.input_file,
    truth.defect,
    truth.row_count as injected,
    recovered.row_count as recovered

from truth
left join recovered
    on truth.input_file = recovered.input_file and truth.defect = recovered.defect
where recovered.row_count is distinct from truth.row_count
