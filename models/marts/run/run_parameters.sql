-- The parameters this build ran with, so every report can state what produced it.
with

parameters as (

    select 'raw_dir' as parameter_name, '{{ var("raw_dir") }}' as parameter_value
    union all
    select 'as_of_date', cast((select as_of_date from {{ ref('int_feature_as_of_date') }}) as varchar)
    union all
    select 'as_of_date_var', '{{ var("as_of_date") }}'
    union all
    select 'momentum_cap', '{{ var("momentum_cap") }}'
    union all
    select 'rfm_bins', '{{ var("rfm_bins") }}'

)

select * from parameters
