{#-
    Momentum: the last 7 days against a weekly baseline, the prior 30 days / 4. Defined everywhere:
    1 when both are zero (no change), the cap var momentum_cap when only the baseline is zero, and
    capped at momentum_cap otherwise so one burst does not dominate. The ratio is taken in double
    precision on every engine (Spark would otherwise divide decimals at a reduced scale).
-#}
{% macro momentum_ratio(recent_7_days, prior_30_days) -%}
    case
        when {{ prior_30_days }} > 0
            then least(cast({{ recent_7_days }} as double) / (cast({{ prior_30_days }} as double) / 4), {{ var('momentum_cap') }})
        when {{ recent_7_days }} > 0 then {{ var('momentum_cap') }}
        else 1.0
    end
{%- endmacro %}
