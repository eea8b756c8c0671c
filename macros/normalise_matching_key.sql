{#-
    The identity matching key of an e-mail: lower-case, trimmed, any "+tag" of the local part dropped.
    Empty strings count as missing.
-#}
{% macro normalise_matching_key(email_column) -%}
    nullif(regexp_replace(lower(trim({{ email_column }})), '\+[^@]*@', '@'), '')
{%- endmacro %}
