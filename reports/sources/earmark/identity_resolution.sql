-- One row: records in, customers out, merges, splits, and pairwise accuracy against truth.
select
    customer_records,
    distinct_customer_refs,
    resolved_customers,
    records_merged,
    customers_with_several_records,
    refs_with_several_owners,
    records_split_off::double as records_split_off,
    audited_records,
    pairwise_precision,
    pairwise_recall
from main.identity_resolution
