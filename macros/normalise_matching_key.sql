{#-
    The identity matching key of an e-mail: lower-case, trimmed, any "+tag" of the local part dropped.
    Empty strings count as missing. The
    pattern writes + as a class, [+], so no engine's string-literal escaping can change it.
-#}
{% macro normalise_matching_key(email_column) -%}
    nullif(regexp_replace(lower(trim({{ email_column }})), '[+][^@]*@', '@'), '')
{%- endmacro %}
