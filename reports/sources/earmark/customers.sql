-- Customers grouped by segment, RFM scores, cluster and treatment band. The site needs distributions,
-- not every customer row (a million at scale), so the grouping happens in DuckDB.
select
    rfm_segment,
    lower(replace(rfm_segment, ' ', '-')) as segment_slug,
    r_score,
    f_score,
    m_score,
    cluster_id,
    persona,
    treatment_band,
    treatment_band_reason,
    is_outlier,
    is_premium,
    count(*) as customers,
    sum(monetary) as monetary,
    sum(frequency) as frequency,
    sum(recency_days) as recency_days
from main.customers
group by all
