-- The persona of each cluster: seed cluster_persona_rules evaluated against the cluster's profile
-- (standardised difference z of its feature means from the whole base), first match by precedence. A
-- persona matches when every one of its conditions holds; a persona without conditions always matches.
-- Names follow the profile, never the cluster number.
with

feature_profiles as (

    select * from {{ ref('int_segmentation_profiles') }}

),

rules as (

    select * from {{ ref('cluster_persona_rules') }}

),

clusters as (

    select distinct cluster_id from feature_profiles

),

persona_conditions as (

    select
        persona,
        precedence,
        count(feature) as condition_count

    from rules
    group by persona, precedence

),

conditions_met as (

    select
        feature_profiles.cluster_id,
        rules.persona,
        count(*) as conditions_met

    from rules
    inner join feature_profiles
        on
            rules.feature = feature_profiles.feature
            and feature_profiles.z >= coalesce(rules.min_z, feature_profiles.z)
            and feature_profiles.z <= coalesce(rules.max_z, feature_profiles.z)
    group by feature_profiles.cluster_id, rules.persona

),

matched as (

    select
        clusters.cluster_id,
        persona_conditions.persona,
        persona_conditions.precedence,
        row_number() over (
            partition by clusters.cluster_id order by persona_conditions.precedence, persona_conditions.persona
        ) as match_rank

    from clusters
    cross join persona_conditions
    left join conditions_met
        on
            clusters.cluster_id = conditions_met.cluster_id
            and persona_conditions.persona = conditions_met.persona
    where coalesce(conditions_met.conditions_met, 0) = persona_conditions.condition_count

)

select
    cluster_id,
    persona,
    precedence as persona_precedence

from matched
where match_rank = 1
