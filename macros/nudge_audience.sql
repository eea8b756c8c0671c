{#-
    Whether a nudge of the account reaches a user: not a predicted sleeping dog (`sleeping_dog`, a boolean
    expression: evidence that a nudge hurts them), and not an admin (`is_admin`) whose predicted uplift
    (`predicted_uplift`) is below zero, since an admin decides for the whole account. The one rule the
    policy (int_user_uplift_scores, on today's scores) and its doubly robust evaluation
    (int_assignment_nudge_audience, on out-of-fold scores) share.
-#}
{% macro nudge_audience(sleeping_dog, is_admin, predicted_uplift) -%}
    (not ({{ sleeping_dog }}) and not (coalesce({{ is_admin }}, false) and {{ predicted_uplift }} < 0))
{%- endmacro %}
