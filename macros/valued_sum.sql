-- The summed value of predicted effects: each row's effect times what a conversion of its customer is worth
-- (column conversion_value, from int_customer_conversion_value), over the rows where `condition` holds.
-- Fixed-point, so the total does not depend on the order rows are added in; null when no row has an effect.
{% macro valued_sum(effect, condition=none) -%}
    cast(sum(cast({{ effect }} * conversion_value as decimal(38, 10)))
    {%- if condition %} filter (where {{ condition }}){% endif %} as double)
{%- endmacro %}
