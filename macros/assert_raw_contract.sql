{#-
    Run before any model (on-run-start): check the raw directory against the input contract declared
    in the `raw` source (generated from earmark/contract/spec.py) and stop the run with one line per problem:
    "<file>: column '<column>': <rule>: <detail>", the same format `earmark validate` prints.
    Skipped when var check_raw_contract is false.
-#}
{% macro assert_raw_contract() %}
    {% if not var('check_raw_contract') %}{{ return('') }}{% endif %}
    {{ return(adapter.dispatch('assert_raw_contract', 'earmark')()) }}
{% endmacro %}

{% macro default__assert_raw_contract() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set raw_dir = var('raw_dir') %}
    {% set problems = raw_dir_problems() %}
    {% if problems %}
        {#- a path this adapter cannot read: say so before any query trips over it -#}
    {% elif raw_file_count('*.parquet') == 0 %}
        {% do problems.append(raw_dir ~ ": column '*': directory_missing: no Parquet files in the raw directory (var raw_dir)") %}
    {% else %}
        {% for node in graph.sources.values() if node.source_name == 'raw' %}
            {% do problems.extend(_raw_file_problems(raw_dir, node)) %}
        {% endfor %}
    {% endif %}
    {% if problems %}
        {% do record_run_refused('raw input contract violated (' ~ problems | length ~ ' problem(s))') %}
        {{ exceptions.raise_compiler_error("raw input contract violated:\n" ~ problems | join("\n")) }}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{% macro _raw_file_problems(raw_dir, node) %}
    {% set problems = [] %}
    {% set path = raw_dir ~ '/' ~ node.name ~ '.parquet' %}
    {% if raw_file_count(node.name ~ '.parquet') == 0 %}
        {% if not node.meta.may_be_absent %}
            {% do problems.append(path ~ ": column '*': file_missing: the contract needs this file (a zero-row file when the data set lacks the entity)") %}
        {% endif %}
        {{ return(problems) }}
    {% endif %}
    {#- path names the file in messages; source reads it (quotes and glob characters escaped) -#}
    {% set source = "read_parquet(" ~ raw_path_literal(node.name ~ '.parquet') ~ ")" %}
    {% set described = run_query("describe select * from " ~ source) %}
    {% set actual_types = {} %}
    {% for row in described.rows %}
        {% do actual_types.update({row[0]: row[1]}) %}
    {% endfor %}
    {% set checks = ["count(*) as n_rows"] %}
    {% for column in node.columns.values() %}
        {% set expected = column.meta.accepted_types %}
        {% if column.name not in actual_types %}
            {% do problems.append(path ~ ": column '" ~ column.name ~ "': column_missing: expected " ~ column.meta.logical_type) %}
        {% else %}
            {% set actual = actual_types[column.name] %}
            {% if actual == 'VARCHAR' and column.meta.logical_type != 'string' %}
                {#- the predicate earmark validate uses (earmark/contract/spec.py TEXT_CASTS, via the source meta) -#}
                {% set acceptable = column.meta.text_check | replace('{c}', adapter.quote(column.name)) %}
                {% do checks.append("count(*) filter (where " ~ adapter.quote(column.name) ~ " is not null and not coalesce((" ~ acceptable ~ "), false)) as " ~ adapter.quote('unparseable:' ~ column.name)) %}
            {% elif actual.split('(')[0] not in expected %}
                {% do problems.append(path ~ ": column '" ~ column.name ~ "': wrong_type: " ~ actual ~ ", expected " ~ column.meta.logical_type) %}
            {% endif %}
            {% if not column.meta.nullable %}
                {% do checks.append("count(*) filter (where " ~ adapter.quote(column.name) ~ " is null) as " ~ adapter.quote('null:' ~ column.name)) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% if not node.meta.allows_extra_columns %}
        {% for name in actual_types if name not in node.columns %}
            {% do problems.append(path ~ ": column '" ~ name ~ "': unexpected_column: not in the contract for " ~ node.name) %}
        {% endfor %}
    {% else %}
        {#- extra columns flow through every layer under their own names, which dbt writes as quoted
            identifiers without doubling a '"' inside (its unit-test fixtures then fail to parse) -#}
        {% for name in actual_types if name not in node.columns and '"' in name %}
            {% do problems.append(path ~ ": column '" ~ name ~ "': unsupported_column_name: an extra column's name must not contain '\"' (dbt writes it into SQL unescaped); rename it in the input") %}
        {% endfor %}
    {% endif %}
    {% set counts = run_query("select " ~ checks | join(", ") ~ " from " ~ source) %}
    {% for check in counts.column_names %}
        {% set value = counts.columns[loop.index0].values()[0] %}
        {% if check == 'n_rows' %}
            {% if value == 0 and node.meta.required %}
                {% do problems.append(path ~ ": column '*': empty_required_file: " ~ node.name ~ " must have at least one row") %}
            {% endif %}
        {% elif value > 0 %}
            {% set rule, column_name = check.split(':', 1) %}
            {% if rule == 'null' %}
                {% do problems.append(path ~ ": column '" ~ column_name ~ "': null_not_allowed: " ~ value ~ " null value(s)") %}
            {% else %}
                {% do problems.append(path ~ ": column '" ~ column_name ~ "': unparseable_value: " ~ value ~ " value(s) do not parse") %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}

{#-
    On Spark the column types are checked by `earmark validate` (DuckDB's describe has no Spark twin
    here): the run still stops when the directory or a file the contract needs is missing.
-#}
{% macro spark__assert_raw_contract() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set raw_dir = var('raw_dir') %}
    {% set problems = raw_dir_problems() %}
    {% if problems %}
        {#- a path Spark cannot read: say so before any query trips over it -#}
    {% elif raw_file_count('*.parquet') == 0 %}
        {% do problems.append(raw_dir ~ ": column '*': directory_missing: no Parquet files in the raw directory (var raw_dir)") %}
    {% else %}
        {% for node in graph.sources.values() if node.source_name == 'raw' and not node.meta.may_be_absent %}
            {% if raw_file_count(node.name ~ '.parquet') == 0 %}
                {% do problems.append(raw_dir ~ '/' ~ node.name ~ ".parquet: column '*': file_missing: the contract needs this file (a zero-row file when the data set lacks the entity)") %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {% if problems %}
        {% do record_run_refused('raw input contract violated (' ~ problems | length ~ ' problem(s))') %}
        {{ exceptions.raise_compiler_error("raw input contract violated:\n" ~ problems | join("\n")) }}
    {% endif %}
    {{ return('') }}
{% endmacro %}
