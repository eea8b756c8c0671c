{% macro stratified_holdout_draw(relation, eligible, value_column, share, seed) %}
    {#- A seeded holdout of `share` of the eligible rows of `relation` (one row per account_id), stratified
        by `value_column`: the eligible accounts in order of that value form blocks of ceil(1 / share);
        a block of m accounts holds out the floor(m x share) with the lowest seeded draw, and one more
        with the probability of the fraction left (a seeded draw per block). Every account is held out
        with probability `share`, and the holdout takes that share of every stratum of value, where a
        plain draw does so only on average. Returns a query of account_id, is_held_out. -#}
    {%- set share = share | float %}
    {%- set block_size = (1 / share) | round(0, 'ceil') | int if share > 0 else 1 %}
    {%- set block_key = "cast(cast(holdout_block as bigint) as " ~ dbt.type_string() ~ ") || ':block:' || '" ~ seed ~ "'" %}
    select
        account_id,
        draw_rank <= floor(block_quota) + case when block_draw < block_quota - floor(block_quota) then 1 else 0 end
            as is_held_out

    from (
        select
            account_id,
            count(*) over (partition by holdout_block) * {{ share }} as block_quota,
            row_number() over (partition by holdout_block order by account_draw asc, account_id asc)
                as draw_rank,
            {{ hash_fraction(block_key) }} as block_draw

        from (
            select
                account_id,
                {{ hash_fraction("account_id || ':' || '" ~ seed ~ "'") }} as account_draw,
                floor(
                    (row_number() over (order by {{ value_column }} desc, account_id asc) - 1) / {{ block_size }}
                ) as holdout_block

            from {{ relation }}
            where {{ eligible }}
        ) as blocks
    ) as quotas
{% endmacro %}
