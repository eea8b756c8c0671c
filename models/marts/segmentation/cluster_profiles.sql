-- One row per cluster: size, share, outliers, bootstrap stability with Hennig's reading, the persona its
-- profile earns, and the features that set it apart most.
with

assignments as (

    select * from {{ ref('int_segmentation_assignments') }}

),

stability as (

    select * from {{ ref('int_segmentation_stability') }}

),

personas as (

    select * from {{ ref('int_cluster_personas_assigned') }}

),

feature_profiles as (

    select * from {{ ref('int_segmentation_profiles') }}

),

sizes as (

    select
        cluster_id,
        count(*) as customers,
        count(*) filter (where is_outlier) as outliers

    from assignments
    group by cluster_id

),

ranked_features as (

    select
        cluster_id,
        feature,
        z,
        row_number() over (partition by cluster_id order by abs(z) desc, feature) as feature_rank

    from feature_profiles
    where z is not null

),

distinctive as (

    select
        cluster_id,
        string_agg(
            feature || ' ' || case when z >= 0 then '+' else '' end || cast(round(z, 2) as varchar) || ' sd',
            '; ' order by feature_rank
        ) as distinctive_features

    from ranked_features
    where feature_rank <= 3
    group by cluster_id

),

final as (

    select
        -- ids
        sizes.cluster_id,

        -- dimensions
        personas.persona,
        distinctive.distinctive_features,
        stability.stability_reading,

        -- size
        sizes.customers,
        sizes.customers / sum(sizes.customers) over () as share_of_customers,
        sizes.outliers,

        -- stability
        stability.mean_jaccard,
        stability.min_jaccard,
        stability.resamples,
        stability.mean_ari

    from sizes
    left join stability on sizes.cluster_id = stability.cluster_id
    left join personas on sizes.cluster_id = personas.cluster_id
    left join distinctive on sizes.cluster_id = distinctive.cluster_id

)

select * from final
