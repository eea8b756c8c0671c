{#-
    The run_status table (target schema, beside the marts): one row per dbt build, run, seed or snapshot,
    written by the project's hooks rather than built as a model, because it must say what happened after
    the last model ran. on-run-start inserts the row as 'running' before the contract check, so a build
    refused by the check is recorded too; on-run-end sets 'succeeded' or 'failed' with the failed nodes.
    A row left 'running' is a build that never finished (stopped, or still going). A failed build keeps
    the marts of an earlier build, some of them perhaps replaced: the table is how a reader tells.
    The input is named by the raw directory's last component, never its path (as the report does).
-#}
{% macro run_status_relation() %}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='run_status')) }}
{% endmacro %}

{#- Commands that write tables; `dbt test`, `compile` and the like leave the marts as they are. -#}
{% macro run_status_is_recorded() %}
    {{ return(execute and flags.WHICH in ['build', 'run', 'seed', 'snapshot']) }}
{% endmacro %}

{% macro record_run_start() %}
    {{ return(adapter.dispatch('record_run_start', 'earmark')()) }}
{% endmacro %}

{% macro default__record_run_start() %}
    {% if not run_status_is_recorded() %}{{ return('') }}{% endif %}
    {% set relation = run_status_relation() %}
    {% set input_name = (var('raw_dir') | string).rstrip('/').split('/') | last %}
    {% set selection = invocation_args_dict.get('select') %}
    {% do run_query(
        "create table if not exists " ~ relation ~ " (invocation_id varchar primary key, command varchar, "
        ~ "input_name varchar, node_selection varchar, status varchar, started_at timestamp, "
        ~ "finished_at timestamp, failed_nodes integer, failure_detail varchar)"
    ) %}
    {% do run_query(
        "insert into " ~ relation ~ " values (" ~ string_literal(invocation_id) ~ ", "
        ~ string_literal(flags.WHICH) ~ ", " ~ string_literal(input_name) ~ ", "
        ~ (string_literal(selection | join(' ')) if selection else 'null') ~ ", 'running', cast("
        ~ string_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S')) ~ " as timestamp), null, null, null)"
    ) %}
    {{ return('') }}
{% endmacro %}

{#- Spark: its Parquet tables take no update, so no row is kept there; dbt's run_results.json says how
    a Spark build ended. -#}
{% macro spark__record_run_start() %}
    {{ return('') }}
{% endmacro %}

{% macro record_run_end(results) %}
    {{ return(adapter.dispatch('record_run_end', 'earmark')(results)) }}
{% endmacro %}

{% macro default__record_run_end(results) %}
    {% if not run_status_is_recorded() %}{{ return('') }}{% endif %}
    {% set failed = [] %}
    {% for result in results if result.status in ['error', 'fail', 'runtime error', 'partial success'] %}
        {% do failed.append(result.node.name ~ ' (' ~ result.status ~ ')') %}
    {% endfor %}
    {% do _finish_run_status(failed) %}
    {{ return('') }}
{% endmacro %}

{#- Called by the contract check before it stops the run: dbt runs no on-run-end after a failed
    on-run-start, which would leave the row 'running'. -#}
{% macro record_run_refused(reason) %}
    {% if run_status_is_recorded() and target.type == 'duckdb' %}
        {% do _finish_run_status([reason]) %}
    {% endif %}
{% endmacro %}

{% macro _finish_run_status(failed) %}
    {% set finished_at = modules.datetime.datetime.now(modules.pytz.utc) %}
    {% set detail = failed[:5] | join(', ') ~ (', ...' if failed | length > 5 else '') %}
    {% do run_query(
        "update " ~ run_status_relation() ~ " set status = '" ~ ('failed' if failed else 'succeeded')
        ~ "', finished_at = cast(" ~ string_literal(finished_at.strftime('%Y-%m-%d %H:%M:%S')) ~ " as timestamp)"
        ~ ", failed_nodes = " ~ failed | length ~ ", failure_detail = "
        ~ (string_literal(detail) if failed else 'null')
        ~ " where invocation_id = " ~ string_literal(invocation_id)
    ) %}
{% endmacro %}

{% macro spark__record_run_end(results) %}
    {{ return('') }}
{% endmacro %}
