{#-
    Attribute a dated row that carries a raw customer_ref to a resolved customer: the record of that ref
    whose ownership period (from int_customer_ref_periods) contains the row's time. Expects a CTE named
    customer_ref_periods in scope.
-#}
{% macro join_customer_ref_period(ref_column, time_column) -%}
    left join customer_ref_periods
        on {{ ref_column }} = customer_ref_periods.customer_ref
        and {{ time_column }} >= customer_ref_periods.valid_from
        and {{ time_column }} < customer_ref_periods.valid_to
{%- endmacro %}
