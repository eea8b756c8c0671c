-- KMeans for every k in the range: silhouette, Calinski-Harabasz, Davies-Bouldin and inertia, the
-- chosen k flagged, the selection rule and tie-break stated.
select
    -- ids
    k,

    -- criteria
    silhouette,
    calinski_harabasz,
    davies_bouldin,
    inertia,

    -- how it was measured
    fit_rows,
    silhouette_rows,
    clustered_on,
    dimensions,

    -- decision
    is_chosen,
    selection_rule

from {{ ref('int_segmentation_k_scan') }}
