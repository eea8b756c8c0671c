-- The RFM segment of every resolved customer: the rule table (seed rfm_segment_rules) evaluated
-- first-match-wins by precedence. Missing scores (no kept sale) are evaluated as 0. When the input has no
-- kept sale at all (a data set without an order book), RFM is not estimable and says so.
with

customers as (

    select * from {{ ref('int_customers_resolved') }}

),

scores as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

order_book as (

    select count(*) > 0 as has_sales from scores

),

customer_scores as (

    select
        customers.customer_id,
        coalesce(scores.r_score, 0) as r_score,
        coalesce(scores.f_score, 0) as f_score,
        coalesce(scores.m_score, 0) as m_score

    from customers
    left join scores on customers.customer_id = scores.customer_id

),

matches as (

    select
        customer_scores.customer_id,
        rules.segment,
        rules.precedence,
        rules.clause,
        row_number() over (
            partition by customer_scores.customer_id
            order by rules.precedence, rules.clause
        ) as match_rank

    from customer_scores
    inner join rules
        on
            customer_scores.r_score between rules.r_min and rules.r_max
            and customer_scores.f_score between rules.f_min and rules.f_max
            and customer_scores.m_score between rules.m_min and rules.m_max

)

select
    matches.customer_id,
    case when order_book.has_sales then matches.segment else 'Not Estimable' end as rfm_segment,
    case when order_book.has_sales then matches.precedence end as segment_precedence,
    case when order_book.has_sales then matches.clause else 'no kept sale in the input' end as segment_rule

from matches
cross join order_book
where matches.match_rank = 1
