{#-
    Quantile score 1..var('rfm_bins') of a column over the rows of the query, higher is better.
    Ties share a score: score = 1 + floor(bins * (rank - 1) / n), where rank is the min-rank of the
    value (ascending, or descending when lower is better), so equal values always score the same and
    the result does not depend on row order.
-#}
{% macro quantile_score(column, higher_is_better=true) -%}
    {%- set direction = 'asc' if higher_is_better else 'desc' -%}
    cast(1 + floor(
        {{ var('rfm_bins') }} * (rank() over (order by {{ column }} {{ direction }}) - 1)
        / count(*) over ()
    ) as integer)
{%- endmacro %}
