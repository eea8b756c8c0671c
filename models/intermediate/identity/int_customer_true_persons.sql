-- One row per resolved customer: the true person it stands for, where the input carries truth (the demo
-- world's truth_identity; audit only, never a feature). Without truth_identity (a case study whose truth
-- is keyed by the raw reference) the raw reference stands for the person. A customer whose records name
-- several persons (a resolution error the identity_resolution mart counts) takes the first.
with

records as (

    select * from {{ ref('int_customer_records_keyed') }}
    where not is_duplicate_record

),

truth_identity as (

    select * from {{ ref('stg_raw__truth_identity') }}

),

final as (

    select
        records.customer_id,
        min(coalesce(truth_identity.true_person_id, records.customer_ref)) as true_person_id

    from records
    left join truth_identity on records.customer_record_id = truth_identity.customer_record_id
    group by records.customer_id

)

select * from final
