"""The demo world: a seeded simulator of a B2B company, its accounts, users, order book and past campaigns.

`simulate_world` writes the raw input contract (customers, accounts, transactions, activity, treatments,
outcomes) plus the audit-only truth files and a `manifest.json`. Every person has a hidden archetype that
drives their activity, purchases and reaction to each campaign: an automated nudge assigned with a bias
towards already unhappy users, and an earlier customer-success call campaign whose account managers chose
large and declining accounts (its rows append after the nudge's, from a random stream of their own).
Defects are injected at stated rates and then counted on the final tables with the same first-match rules
the pipeline applies, so the manifest can be recovered exactly.

Everything is vectorised with numpy and drawn from `numpy.random.default_rng` streams derived from the
seed, so the same seed and scale give identical files. The rules are described in `docs/demo_world.md`.

One module per part of the world, so that a change to one part is read and reviewed on its own:

- `calendar.py`: the fixed dates and windows.
- `archetypes.py`: the hidden archetypes and the rates each one lives by.
- `defects.py`: the injected defects' rates and the rules they are recounted by.
- `common.py`: the random streams and the Arrow and Parquet helpers.
- `emails.py`: e-mail addresses, their raw variants and `normalise_email`.
- `people.py`: accounts, persons and customer records (`accounts`, `customers`).
- `activity.py`: daily product activity (`activity`).
- `catalogue.py`: the product catalogue and the non-product codes.
- `transactions.py`: the order book (`transactions`).
- `campaigns.py`: the nudge and the call campaign (`treatments`, `outcomes`).
- `truth.py`: the `truth_*` files and `manifest.json`.
- `world.py`: `simulate_world`, which builds the parts in order and writes the files.

The underscored names are private to the package: the modules import them from one another, and only
`simulate_world` and `normalise_email` are meant for callers.
"""

from earmark.simulate.emails import normalise_email
from earmark.simulate.world import simulate_world

__all__ = ["normalise_email", "simulate_world"]
