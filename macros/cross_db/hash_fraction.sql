{#-
    A deterministic pseudo-random number in [0, 1) from a string expression: the first 32 bits of its
    md5, so every engine draws the same value for the same input.
-#}
{% macro hash_fraction(expression) %}
    {{ return(adapter.dispatch('hash_fraction', 'earmark')(expression)) }}
{% endmacro %}

{% macro default__hash_fraction(expression) -%}
    cast(cast(('0x' || left(md5({{ expression }}), 8)) as bigint) as double) / 4294967296
{%- endmacro %}

{% macro spark__hash_fraction(expression) -%}
    cast(cast(conv(left(md5({{ expression }}), 8), 16, 10) as bigint) as double) / 4294967296
{%- endmacro %}
