"""The product catalogue and the non-product codes (postage, fees, discounts, adjustments) on invoices.

The catalogue has a fixed random seed of its own, so it is the same for every seed of the world; it is kept
apart from the order book (transactions.py) that draws products and codes from it.
"""

from __future__ import annotations

import numpy as np

NON_PRODUCT = (  # code, description, price range (negative = credit)
    ("POST", "POSTAGE", (15.0, 40.0)),
    ("DOT", "DOTCOM POSTAGE", (40.0, 400.0)),
    ("M", "Manual", (0.5, 300.0)),
    ("D", "Discount", (-60.0, -2.0)),
    ("C2", "CARRIAGE", (40.0, 60.0)),
    ("S", "SAMPLES", (1.0, 80.0)),
    ("B", "Adjust bad debt", (-900.0, -20.0)),
    ("BANK CHARGES", "Bank Charges", (10.0, 20.0)),
    ("AMAZONFEE", "AMAZON FEE", (100.0, 3000.0)),
    ("CRUK", "CRUK Commission", (1.0, 50.0)),
    ("PADS", "PADS TO MATCH ALL CUSHIONS", (0.001, 0.01)),
    ("ADJUST", "Adjustment", (-200.0, 200.0)),
)
NON_PRODUCT_CODES = tuple(code for code, _, _ in NON_PRODUCT)
NON_PRODUCT_WEIGHTS = np.array([0.35, 0.08, 0.15, 0.08, 0.06, 0.03, 0.02, 0.08, 0.03, 0.03, 0.04, 0.05])
N_PRODUCTS = 320


def _catalogue() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """A fixed product catalogue (the same for every seed): codes, descriptions, base prices, popularity."""
    rng = np.random.default_rng(20_251_231)
    colours = (
        "WHITE",
        "RED",
        "BLUE",
        "PINK",
        "GREEN",
        "VINTAGE",
        "RETRO",
        "SMALL",
        "LARGE",
        "JUMBO",
        "MINI",
        "ASSORTED",
        "GLASS",
        "WOODEN",
        "CERAMIC",
        "METAL",
        "PAPER",
        "FELT",
        "GOLD",
        "SILVER",
    )
    motifs = (
        "HEART",
        "STAR",
        "BIRD",
        "FLOWER",
        "SPOT",
        "STRIPE",
        "DOILY",
        "LANTERN",
        "BUNTING",
        "ROSE",
        "POLKADOT",
        "PAISLEY",
    )
    items = (
        "T-LIGHT HOLDER",
        "CAKE CASES",
        "LUNCH BAG",
        "NOTEBOOK",
        "MUG",
        "CUSHION COVER",
        "TEA TOWEL",
        "DOORSTOP",
        "WALL CLOCK",
        "PHOTO FRAME",
        "GIFT WRAP",
        "STORAGE TIN",
        "CANDLE",
        "COASTER SET",
        "PENCIL CASE",
        "WATER BOTTLE",
        "CHARGER CABLE",
        "USB HUB",
        "DESK ORGANISER",
        "STICKY NOTES",
    )
    combos = rng.choice(len(colours) * len(motifs) * len(items), size=N_PRODUCTS, replace=False)
    descriptions = []
    for combo in combos.tolist():
        colour, rest = divmod(combo, len(motifs) * len(items))
        motif, item = divmod(rest, len(items))
        descriptions.append(f"{colours[colour]} {motifs[motif]} {items[item]}")
    numbers = rng.choice(np.arange(10_002, 90_000), size=N_PRODUCTS, replace=False)
    suffix = np.where(rng.random(N_PRODUCTS) < 0.15, rng.integers(0, 6, N_PRODUCTS), -1)
    codes = [
        f"{n}{'ABCDEF'[s] if s >= 0 else ''}" for n, s in zip(numbers.tolist(), suffix.tolist(), strict=True)
    ]
    prices = np.round(np.clip(rng.lognormal(1.0, 0.8, N_PRODUCTS), 0.19, 120.0), 2)
    popularity = 1.0 / (rng.permutation(N_PRODUCTS) + 5.0) ** 0.8
    return codes, descriptions, prices, popularity / popularity.sum()
