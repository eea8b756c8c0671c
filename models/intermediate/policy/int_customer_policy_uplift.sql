-- One predicted uplift per resolved customer for the policy campaign, from Earmark's own model or, with
-- var uplift_score_source = 'external', from the uplift_scores input (bring your own scores). A customer
-- is a predicted sleeping dog when the evidence says a nudge hurts them: with the model, the harm bound of
-- their effect group (the one-sided 95% upper bound of its DR effect) is below zero; external scores
-- carry no interval, so there it is a predicted uplift below var sleeping_dog_threshold. The nudge
-- audience (the customers a nudge of the account reaches, macro nudge_audience) is every scored customer
-- but the predicted sleeping dogs and the admins the nudge is not expected to help: an admin decides for
-- the whole account, so with the model a nudge reaches an admin only where the benefit bound of their
-- effect group (the one-sided 95% DR lower bound) is above zero; external scores carry no interval, so
-- there an admin needs a predicted uplift of at least zero.
with

{% if var('uplift_score_source') == 'external' %}

    external_scores as (

        select * from {{ ref('stg_raw__uplift_scores') }}
        {% if var('policy_campaign_id') %}
            where campaign_id is null or campaign_id = '{{ var("policy_campaign_id") }}'
        {% endif %}

    ),

    current_owners as (

        -- a score carries a raw reference: it belongs to the reference's latest owner
        select
            customer_ref,
            customer_id,
            row_number() over (partition by customer_ref order by owner_sequence desc) as owner_rank

        from {{ ref('int_customer_ref_periods') }}

    ),

    scores as (

        select
            current_owners.customer_id,
            max(external_scores.predicted_uplift) as predicted_uplift,
            max(external_scores.predicted_uplift) < {{ var('sleeping_dog_threshold') }} as is_predicted_sleeping_dog,
            max(external_scores.predicted_uplift) >= 0 as is_nudge_expected_to_help,
            cast(null as double) as predicted_call_uplift,
            cast(null as boolean) as is_predicted_call_sleeping_dog,
            'external' as score_source

        from external_scores
        inner join current_owners
            on
                external_scores.customer_ref = current_owners.customer_ref
                and current_owners.owner_rank = 1
        group by current_owners.customer_id

    ),

{% else %}

    scores as (

        select
            customer_id,
            predicted_uplift,
            coalesce(uplift_upper_bound < 0, false) as is_predicted_sleeping_dog,
            coalesce(uplift_lower_bound > 0, false) as is_nudge_expected_to_help,
            predicted_call_uplift,
            call_upper_bound < 0 as is_predicted_call_sleeping_dog,
            'model' as score_source

        from {{ ref('int_customer_model_uplift') }}

    ),

{% endif %}

customers as (

    select * from {{ ref('int_customer_features') }}

),

final as (

    select
        scores.customer_id,
        -- a customer without an account is its own account
        coalesce(customers.account_ref, 'solo:' || scores.customer_id) as account_id,
        coalesce(customers.is_admin, false) as is_admin,
        scores.predicted_uplift,
        scores.is_predicted_sleeping_dog,
        scores.is_nudge_expected_to_help,
        {{ nudge_audience(
            'scores.is_predicted_sleeping_dog', 'customers.is_admin', 'scores.is_nudge_expected_to_help'
        ) }}
            as is_in_nudge_audience,
        scores.predicted_call_uplift,
        scores.is_predicted_call_sleeping_dog,
        scores.score_source

    from scores
    inner join customers on scores.customer_id = customers.customer_id

)

select * from final
