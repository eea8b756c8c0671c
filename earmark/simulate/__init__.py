"""The demo world simulator (`earmark simulate`): see `world.py`.

A package so that each part of the world can live in a module of its own; `simulate_world` and
`normalise_email` stay importable from `earmark.simulate`.
"""

from earmark.simulate.emails import normalise_email
from earmark.simulate.world import simulate_world

__all__ = ["normalise_email", "simulate_world"]
