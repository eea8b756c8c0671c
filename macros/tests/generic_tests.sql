{#- Generic data tests the project needs (dbt_utils cannot be fetched here). Each returns failing rows. -#}

{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test exactly_one_row_where(model, condition) %}
select count(*) as matching_rows
from {{ model }}
where {{ condition }}
having count(*) != 1
{% endtest %}

{% test same_row_count_as(model, other) %}
select
    (select count(*) from {{ model }}) as model_rows,
    (select count(*) from {{ other }}) as other_rows
where (select count(*) from {{ model }}) != (select count(*) from {{ other }})
{% endtest %}

{% test values_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
