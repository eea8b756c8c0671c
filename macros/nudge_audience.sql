{#-
    Whether a nudge of the account reaches a user: not a predicted sleeping dog (`sleeping_dog`, a boolean
    expression: evidence that a nudge hurts them), and, for an admin (`is_admin`), only where the nudge is
    expected to help them (`admin_helped`, a boolean expression: with Earmark's model, evidence that it
    helps). An admin decides for the whole account, so the nudge asks more of the evidence for them than
    for a regular user. The one rule the policy (int_customer_policy_uplift, on today's scores) and its doubly
    robust evaluation (int_assignment_nudge_audience, on out-of-fold scores) share.
-#}
{% macro nudge_audience(sleeping_dog, is_admin, admin_helped) -%}
    (not ({{ sleeping_dog }}) and (not coalesce({{ is_admin }}, false) or coalesce({{ admin_helped }}, false)))
{%- endmacro %}
