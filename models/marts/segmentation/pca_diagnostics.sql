-- PCA of the scaled segmentation features: variance explained per component, each feature's loading,
-- and whether clustering used the components or the base features (rule stated in the rule column).
select
    -- ids
    pca_loading_id,
    component,
    feature,

    -- numerics
    loading,
    explained_variance_ratio,
    cumulative_variance,
    components_used,

    -- decision
    used_for_clustering,
    rule

from {{ ref('int_segmentation_pca') }}
