{#- Generic test: the combination of the given columns is unique (no duplicate key tuples). -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences

from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
