-- The parameters this build ran with, so every report can state what produced it.
with

parameters as (

    select 'raw_dir' as parameter_name, '{{ var("raw_dir") }}' as parameter_value
    union all
    select
        'as_of_date' as parameter_name,
        cast((select as_of_date from {{ ref('int_feature_as_of_date') }}) as varchar) as parameter_value
    union all
    select
        'as_of_date_var' as parameter_name,
        '{{ var("as_of_date") }}' as parameter_value
    union all
    select
        'momentum_cap' as parameter_name,
        '{{ var("momentum_cap") }}' as parameter_value
    union all
    select
        'rfm_bins' as parameter_name,
        '{{ var("rfm_bins") }}' as parameter_value

)

select * from parameters
