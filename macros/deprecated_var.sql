{#-
    Vars renamed from "user" to "customer" (docs/architecture.md, "One name per concept"). For one release
    the old name is still honoured: a run that sets only the old name gets its value under the new name,
    with a warning on run start (warn_deprecated_vars); a run that sets both to different values stops.
    The old names go in the next release. The same mapping is earmark.deprecations.RENAMED_VARS, for
    the Python side (tests/python/test_deprecations.py checks that the two agree).
-#}
{% macro renamed_vars() %}
    {{ return({
        'cost_per_automated_user': 'cost_per_automated_customer',
        'toxic_user_share': 'toxic_customer_share',
        'min_account_users': 'min_account_customers',
    }) }}
{% endmacro %}

{#- The vars given on the command line (--vars): the only place dbt tells a var that was set from the
    project's default, so "both set" means both given there. An old name set anywhere else (a unit
    test's overrides, the vars of a project that installs Earmark) wins over the new one, with the
    run-start warning saying so. -#}
{% macro _command_line_vars() %}
    {% set given = invocation_args_dict.get('vars') or {} %}
    {% if given is string %}{% set given = fromyaml(given) or {} %}{% endif %}
    {{ return(given) }}
{% endmacro %}

{#- var(name), except that a renamed var takes its deprecated name's value when only that one is set. -#}
{% macro renamed_var(name) %}
    {% for old, new in renamed_vars().items() if new == name %}
        {{ return(_renamed_var_value(old, name)) }}
    {% endfor %}
    {{ return(var(name)) }}
{% endmacro %}

{% macro _renamed_var_value(old_name, new_name) %}
    {% set old_value = var(old_name, none) %}
    {% if old_value is none %}{{ return(var(new_name)) }}{% endif %}
    {% set given = _command_line_vars() %}
    {% if old_name in given and new_name in given and given[old_name] != given[new_name] %}
        {{ exceptions.raise_compiler_error(
            "vars " ~ old_name ~ " (deprecated) and " ~ new_name ~ " are both set, to different values ("
            ~ given[old_name] ~ " and " ~ given[new_name] ~ "): set only " ~ new_name
        ) }}
    {% endif %}
    {{ return(old_value) }}
{% endmacro %}

{#- on-run-start: a warning per deprecated var name the run sets, naming its replacement; stops the run
    when a deprecated name and its replacement are given different values on the command line. Returns no
    SQL. -#}
{% macro warn_deprecated_vars() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for old_name, new_name in renamed_vars().items() if var(old_name, none) is not none %}
        {% do renamed_var(new_name) %}
        {% do exceptions.warn(
            "var " ~ old_name ~ " is deprecated: set " ~ new_name ~ " instead (it takes the value "
            ~ var(old_name) ~ " this run; the old name goes in the next release)"
        ) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
