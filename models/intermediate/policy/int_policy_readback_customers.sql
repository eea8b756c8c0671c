-- One row per customer of the readback campaigns (var readback_campaign_id: one id, or a list when the
-- cycle's channels ran as campaigns of their own) whose decision came with them: the campaign's
-- treatments and outcomes, and the decision exported before it ran (earmark export-decisions), carried
-- as the campaign's uplift_scores rows: arm = the action planned for the customer (human_outreach or
-- automated_nudge, held-out customers included), predicted_uplift = what the policy expected it to do.
-- Targeted: treated in the campaign; held out: not treated. The account (the cluster of the readback's
-- interval) is that of the customer owning the reference when the campaign ran. Without the var: no rows.
{%- set chosen = var('readback_campaign_id') %}
{%- set campaigns = ([chosen] if chosen is string else chosen) if chosen is not none else [] %}
{%- set quoted = [] %}
{%- for c in campaigns %}{% do quoted.append(string_literal(c)) %}{% endfor %}
{%- set in_campaign = 'campaign_id in (' ~ quoted | join(', ') ~ ')' if quoted else 'false' %}

with

treatments as (

    select * from {{ ref('stg_raw__treatments') }}
    where {{ in_campaign }}

),

outcomes as (

    select * from {{ ref('stg_raw__outcomes') }}
    where {{ in_campaign }}

),

decisions as (

    select * from {{ ref('stg_raw__uplift_scores') }}
    where {{ in_campaign }}

),

customer_ref_periods as (

    select * from {{ ref('int_customer_ref_periods') }}

),

features as (

    select * from {{ ref('int_customer_features') }}

),

truth_effects as (

    select * from {{ ref('stg_raw__truth_effects') }}
    where {{ in_campaign }}

),

treated_refs as (

    select
        campaign_id,
        customer_ref,
        bool_or(is_treated) as is_targeted,
        min(treated_at) as treated_at

    from treatments
    group by campaign_id, customer_ref

),

converted_refs as (

    select
        campaign_id,
        customer_ref,
        bool_or(coalesce(is_converted, false)) as is_converted

    from outcomes
    group by campaign_id, customer_ref

),

assigned as (

    select
        treated_refs.campaign_id,
        treated_refs.customer_ref,
        customer_ref_periods.customer_id,
        decisions.arm as action,
        decisions.predicted_uplift,
        treated_refs.is_targeted,
        coalesce(converted_refs.is_converted, false) as is_converted

    from treated_refs
    inner join decisions
        on
            treated_refs.campaign_id = decisions.campaign_id
            and treated_refs.customer_ref = decisions.customer_ref
    left join converted_refs
        on
            treated_refs.campaign_id = converted_refs.campaign_id
            and treated_refs.customer_ref = converted_refs.customer_ref
    {{ join_customer_ref_period('treated_refs.customer_ref', 'treated_refs.treated_at') }}

),

customer_truth as (

    select * from {{ ref('int_customer_true_persons') }}

),

final as (

    select
        -- ids
        assigned.campaign_id || ':' || assigned.customer_ref as readback_customer_id,
        assigned.campaign_id,
        assigned.customer_ref,
        assigned.customer_id,
        coalesce(features.account_ref, 'solo:' || assigned.customer_id) as account_id,

        -- decision and result
        assigned.action,
        case assigned.action when 'human_outreach' then 'human' else 'automated' end as channel,
        assigned.is_targeted,
        assigned.is_converted,
        assigned.predicted_uplift,

        -- truth (audit only): the true effect of the planned action on the customer
        truth_effects.true_uplift

    from assigned
    left join features on assigned.customer_id = features.customer_id
    left join customer_truth on assigned.customer_id = customer_truth.customer_id
    left join truth_effects
        on
            assigned.campaign_id = truth_effects.campaign_id
            and customer_truth.true_person_id = truth_effects.true_person_id

)

select * from final
