-- The deployable list, ranked. account_slug is the account id in its page's URL: every byte other than
-- letters, digits, '-', '_' and ':' becomes '~' and two hex digits (percent-encoding with '~' for '%',
-- and '.' and '~' encoded too), so an id like 'ACME/UK' or "O'Brien" is one safe path segment, the
-- encoding is one-to-one, and a page's query compares it with a value that cannot hold a quote.
select
    *,
    replace(
        replace(
            replace(replace(url_encode(account_id), '~', '%7E'), '.', '%2E'), '%', '~'
        ),
        '~3A',
        ':'
    ) as account_slug
from main.target_accounts
