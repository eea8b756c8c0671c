-- Every dbt var the build ran with (JSON values), so each page can state what produced it.
select
    parameter_name,
    parameter_value
from main.run_parameters
