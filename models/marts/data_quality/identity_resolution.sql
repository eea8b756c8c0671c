-- How identity resolution went, as one row: records in, customers out, merges and splits, and, when the
-- input carries the truth (truth_identity), pairwise precision and recall against it.
with

records as (

    select * from {{ ref('int_customer_records_keyed') }}
    where not is_duplicate_record

),

periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

truth as (

    select * from {{ ref('stg_raw__truth_identity') }}

),

record_counts as (

    select
        count(*) as customer_records,
        count(distinct customer_ref) as distinct_customer_refs,
        count(distinct customer_id) as resolved_customers

    from records

),

ref_owners as (

    select
        count(*) filter (where owner_count > 1) as refs_with_several_owners,
        coalesce(sum(owner_count - 1), 0) as records_split_off

    from (
        select
            customer_ref,
            count(*) as owner_count
        from periods
        group by customer_ref
    ) as per_ref

),

customer_refs as (

    select count(*) filter (where record_count > 1) as customers_with_several_records

    from (
        select
            customer_id,
            count(*) as record_count
        from records
        group by customer_id
    ) as per_customer

),

audited as (

    select
        records.customer_id,
        truth.true_person_id

    from records
    inner join truth on records.customer_record_id = truth.customer_record_id

),

pair_counts as (

    select
        (select count(*) from audited) as audited_records,
        (
            select sum(n * (n - 1) / 2)
            from (
                select count(*) as n from audited
                group by customer_id, true_person_id
            ) as both_agree
        ) as true_positive_pairs,
        (
            select sum(n * (n - 1) / 2)
            from (
                select count(*) as n from audited
                group by customer_id
            ) as predicted
        ) as predicted_pairs,
        (
            select sum(n * (n - 1) / 2)
            from (
                select count(*) as n from audited
                group by true_person_id
            ) as actual
        ) as true_pairs

),

final as (

    select
        -- ids
        'identity_resolution' as summary_id,

        -- numerics
        record_counts.customer_records,
        record_counts.distinct_customer_refs,
        record_counts.resolved_customers,
        record_counts.customer_records - record_counts.resolved_customers as records_merged,
        customer_refs.customers_with_several_records,
        ref_owners.refs_with_several_owners,
        ref_owners.records_split_off,
        pair_counts.audited_records,
        pair_counts.true_positive_pairs,
        pair_counts.predicted_pairs,
        pair_counts.true_pairs,
        -- with no pairs to get wrong, precision and recall are 1 by convention; null without truth
        case
            when pair_counts.audited_records > 0
                then coalesce(pair_counts.true_positive_pairs / nullif(pair_counts.predicted_pairs, 0), 1.0)
        end as pairwise_precision,
        case
            when pair_counts.audited_records > 0
                then coalesce(pair_counts.true_positive_pairs / nullif(pair_counts.true_pairs, 0), 1.0)
        end as pairwise_recall

    from record_counts
    cross join ref_owners
    cross join customer_refs
    cross join pair_counts

)

select * from final
