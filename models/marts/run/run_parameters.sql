-- The parameters this build ran with (JSON values), so every report can state what produced it.
select
    parameter_name,
    parameter_value

from {{ ref('int_run_parameters') }}
