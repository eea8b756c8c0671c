-- Every account with every gate's inputs and flags, its action and the reason. account_slug is the
-- account id as it appears in the account page's URL (see target_accounts.sql for the encoding).
select
    * replace (automated_cost::double as automated_cost),
    replace(
        replace(
            replace(replace(url_encode(account_id), '~', '%7E'), '.', '%2E'), '%', '~'
        ),
        '~3A',
        ':'
    ) as account_slug
from main.account_actions
