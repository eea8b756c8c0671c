-- Per cluster and feature: mean and median against the whole base, and the standardised difference
-- z = (cluster mean - base mean) / base sd that the persona rules read.
select
    -- ids
    cluster_feature_id,
    cluster_id,
    feature,

    -- numerics
    cluster_mean,
    cluster_median,
    population_mean,
    population_sd,
    z

from {{ ref('int_segmentation_profiles') }}
