-- Every dbt var the build ran with (JSON values), so each page can state what produced it. The raw
-- directory is a path on the machine that built the warehouse: the site names the input by the
-- directory's last component instead (parameter 'input'), and never shows the path.
select
    case when parameter_name = 'raw_dir' then 'input' else parameter_name end as parameter_name,
    case
        when parameter_name = 'raw_dir'
            then to_json(
                regexp_extract(rtrim(json_extract_string(parameter_value, '$'), '/\'), '[^/\\]*$')
            )::varchar
        else parameter_value
    end as parameter_value
from main.run_parameters
