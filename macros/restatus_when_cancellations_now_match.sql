{#-
    The transactions' one exception to "a line's status depends only on itself and the lines before it":
    an unmatched cancellation becomes matched when a sale of the same customer and product dated at or
    before it arrives later in the file. On an incremental build such an appended sale restatuses every
    line (it sets the watermark to none), so incremental still equals full.
-#}
{% macro restatus_when_cancellations_now_match(cleaning) %}
    {%- if not execute or cleaning.built_up_to is none %}
        {{ return('') }}
    {%- endif %}
    {#- an appended sale dated at or before an unmatched cancellation of the same customer and product
        would match it: the earlier line's status changes, so every line is restatused -#}
    {%- set now_matched = run_query(
        "with customer_ref_periods as (select * from " ~ ref('int_customer_ref_periods') ~ "), "
        ~ "appended as (select customer_ref_periods.customer_id, upper(trim(new_lines.stock_code)) as "
        ~ "product_code, new_lines.invoiced_at from " ~ ref('stg_raw__transactions') ~ " as new_lines "
        ~ join_customer_ref_period('new_lines.customer_ref', 'new_lines.invoiced_at')
        ~ " where new_lines.transaction_line_number > " ~ cleaning.built_up_to ~ " and new_lines.quantity > 0"
        ~ " and not coalesce(upper(new_lines.invoice_ref) like 'C%', false)) "
        ~ "select count(*) from " ~ this ~ " as built inner join appended on built.customer_id = "
        ~ "appended.customer_id and upper(trim(built.stock_code)) = appended.product_code and "
        ~ "appended.invoiced_at <= built.invoiced_at where built.line_status = 'unmatched_cancellation'"
    ).columns[0].values()[0] %}
    {%- if now_matched > 0 %}
        {{ log(this.identifier ~ ": " ~ now_matched ~ " appended sale(s) dated at or before a cancellation "
            ~ "they match; restatusing every line", info=true) }}
        {%- do cleaning.update({'built_up_to': none}) %}
    {%- endif %}
{% endmacro %}
