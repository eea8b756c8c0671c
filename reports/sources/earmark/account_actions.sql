-- Every account with every gate's inputs and flags, its action and the reason. account_link opens the
-- account on the lookup page (pages/accounts/lookup.md): the id travels percent-encoded in the query
-- string, so any id (with '/', quotes, '#', '%' or non-ASCII) is one safe link.
select
    -- without the deprecated copies of customers, scored_customers, nudge_audience_customers and
    -- is_toxic_customers
    * exclude (users, scored_users, nudge_audience_users, is_toxic_users)
    replace (automated_cost::double as automated_cost),
    '/accounts/lookup/?id=' || url_encode(account_id) as account_link
from main.account_actions
