-- Every parameter (dbt var) of this build, its value as JSON. The Python models read their settings
-- from here, so what they used is exactly what the run_parameters mart reports. The list must name every
-- var of dbt_project.yml, in its order (tests/python/test_run_parameters.py checks it).
{% set names = [
    'raw_dir', 'check_raw_contract', 'as_of_date', 'time_zone', 'plausible_date_min', 'plausible_date_max',
    'currency',
    'momentum_cap', 'rfm_bins',
    'segmentation_features', 'segmentation_derived', 'segmentation_log_features', 'segmentation_scaler',
    'segmentation_actionable_features', 'segmentation_k_min', 'segmentation_k_max',
    'segmentation_k_tolerance', 'segmentation_n_init', 'segmentation_seed', 'segmentation_fit_sample',
    'segmentation_silhouette_sample', 'segmentation_scan_sample', 'segmentation_pca_variance_target',
    'segmentation_resamples',
    'segmentation_stability_sample', 'outlier_min_samples', 'outlier_eps_percentile', 'outlier_sample',
    'verdict_min_silhouette', 'verdict_min_cluster_jaccard', 'verdict_min_cluster_share',
    'verdict_min_effect_size',
    'uplift_score_source', 'policy_campaign_id', 'value_per_conversion', 'conversion_value_source',
    'conversion_value_prior_weight', 'cost_per_automated_customer',
    'cost_per_human_account', 'sleeping_dog_threshold', 'toxic_customer_share', 'min_account_customers',
    'human_capacity', 'human_outreach_arm', 'holdout_share', 'policy_seed', 'readback_campaign_id',
    'sure_thing_min_probability', 'sure_thing_max_abs_uplift',
    'uplift_outcome', 'uplift_outcome_type', 'uplift_covariates', 'uplift_learner', 'uplift_meta_learner',
    'uplift_folds', 'uplift_calibrate', 'uplift_propensity_clip', 'uplift_bootstrap', 'uplift_seed',
    'uplift_driver_min_r2',
    'value_horizon_days', 'value_holdout_days', 'value_time_unit_days', 'review_top_value_share'
] %}

with

as_of as (

    select * from {{ ref('int_feature_as_of_date') }}

),

declared as (

    {% for name in names %}
        select
            '{{ name }}' as parameter_name,
            {{ string_literal(tojson(renamed_var(name))) }} as parameter_value
        union all
    {% endfor %}
    select
        'effective_as_of_date' as parameter_name,
        coalesce('"' || cast(as_of_date as {{ dbt.type_string() }}) || '"', 'null') as parameter_value
    from as_of

)

select * from declared
