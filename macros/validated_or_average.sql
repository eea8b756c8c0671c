{#-
    A per-customer figure of an arm (`per_customer`) where the arm's uplift validates, else the arm's
    average figure (`average`) from int_uplift_arm_verdict (`verdicts`: its alias): an arm that does not
    validate is not differentiated on. The one fallback int_customer_model_uplift (today's scores) and
    int_assignment_nudge_audience (out-of-fold scores) share.
-#}
{% macro validated_or_average(verdicts, per_customer, average) -%}
    case when {{ verdicts }}.is_validated then {{ per_customer }} else {{ verdicts }}.{{ average }} end
{%- endmacro %}
