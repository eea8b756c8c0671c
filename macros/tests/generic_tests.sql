{#- Generic data tests the project needs (dbt_utils cannot be fetched here). Each returns failing rows. -#}

{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- allow_empty: a model with no rows at all (not estimable) passes. -#}
{% test exactly_one_row_where(model, condition, allow_empty=false) %}
select count(*) as matching_rows
from {{ model }}
where {{ condition }}
having
    count(*) != 1
    {% if allow_empty %}and (select count(*) from {{ model }}) > 0{% endif %}
{% endtest %}

{% test same_row_count_as(model, other, allow_empty=false) %}
select
    (select count(*) from {{ model }}) as model_rows,
    (select count(*) from {{ other }}) as other_rows
where
    (select count(*) from {{ model }}) != (select count(*) from {{ other }})
    {% if allow_empty %}and (select count(*) from {{ model }}) > 0{% endif %}
{% endtest %}

{% test values_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- A deprecated model keeps returning what its replacement returns: every column of `other`, selected
    from both, gives the same rows (with their multiplicity) in both directions. -#}
{% test same_rows_as(model, other) %}
{% set columns = [] %}
{% if execute %}
    {% for column in adapter.get_columns_in_relation(other) %}
        {% do columns.append(adapter.quote(column.name)) %}
    {% endfor %}
{% else %}
    {% do columns.append('1') %}
{% endif %}
with

only_in_model as (
    select {{ columns | join(', ') }} from {{ model }}
    except all
    select {{ columns | join(', ') }} from {{ other }}
),

only_in_other as (
    select {{ columns | join(', ') }} from {{ other }}
    except all
    select {{ columns | join(', ') }} from {{ model }}
)

select 'only in {{ model.identifier }}' as side, * from only_in_model
union all
select 'only in {{ other.identifier }}' as side, * from only_in_other
{% endtest %}

{#- A deprecated column is a copy of its replacement on every row (nulls included). -#}
{% test is_copy_of(model, column_name, column) %}
select {{ column_name }}, {{ column }}
from {{ model }}
where {{ column_name }} is distinct from {{ column }}
{% endtest %}
