"""Adapters that turn public data sets into the raw input contract (`earmark.contract`).

`ADAPTERS` is the registry: `earmark ingest <command>` is built from it. To add a source, write a module
here with a function `(source path, out dir) -> rows written per entity` (the helpers in `files.py` do the
reading and writing every adapter shares), and add one `Adapter` line below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AdapterOption:
    """A further `earmark ingest <command>` option, passed to the adapter's function as a keyword."""

    name: str
    help: str
    required: bool = False


@dataclass(frozen=True)
class Adapter:
    """One public data set: how `earmark ingest` names and describes it, and where its function lives."""

    command: str
    label: str
    module: str
    function: str
    help: str
    description: str
    path_help: str
    path_metavar: str | None = None
    options: tuple[AdapterOption, ...] = ()

    def load(self) -> Callable[..., dict[str, int]]:
        # imported on use, so `earmark --help` does not load every adapter's dependencies
        return getattr(importlib.import_module(self.module), self.function)


ADAPTERS: tuple[Adapter, ...] = (
    Adapter(
        command="transactions",
        label="Order book",
        module="earmark.ingest.order_book",
        function="ingest_transactions",
        help="any order book (csv, xlsx or parquet, one row per invoice line), its columns named by options",
        description="Read an order book in any layout into transactions and customers: name the source's "
        "columns with the options (matched ignoring case and surrounding spaces). Product, description "
        "and country are optional; without a product every line has the stock code UNSPECIFIED. The "
        "entities an order book lacks become zero-row files.",
        path_help="the order book file",
        options=(
            AdapterOption("customer", "column of the customer reference", required=True),
            AdapterOption(
                "invoice", "column of the invoice number ('C' first marks a cancellation)", required=True
            ),
            AdapterOption("date", "column of the invoice date or time", required=True),
            AdapterOption("quantity", "column of the units (negative for returns)", required=True),
            AdapterOption("price", "column of the unit price", required=True),
            AdapterOption("product", "column of the product or stock code"),
            AdapterOption("description", "column of the product description"),
            AdapterOption("country", "column of the country"),
        ),
    ),
    Adapter(
        command="online-retail",
        label="Online Retail",
        module="earmark.ingest.online_retail",
        function="ingest_online_retail",
        help="UCI Online Retail (xlsx, csv or parquet; original or 'II' column names)",
        description="Read the UCI Online Retail invoice lines into transactions and customers; the "
        "entities it lacks become zero-row files.",
        path_help="the Online Retail file",
    ),
    Adapter(
        command="mall-customers",
        label="Mall Customers",
        module="earmark.ingest.mall_customers",
        function="ingest_mall_customers",
        help="Kaggle Mall Customers (Mall_Customers.csv)",
        description="Read Mall_Customers.csv into customers with gender, age, annual_income and "
        "spending_score as attributes; the entities it lacks become zero-row files.",
        path_help="the Mall_Customers.csv file",
    ),
    Adapter(
        command="hillstrom",
        label="Hillstrom",
        module="earmark.ingest.hillstrom",
        function="ingest_hillstrom",
        help="MineThatData Hillstrom e-mail experiment (hillstrom.csv)",
        description="Read hillstrom.csv into customers (covariates as attributes), one treatment and one "
        "outcome row per customer of campaign hillstrom_email_2008 (nominal dates: 2008-03-01 and two "
        "weeks later); the entities it lacks become zero-row files.",
        path_help="the hillstrom.csv file",
    ),
    Adapter(
        command="causalyn",
        label="Causalyn",
        module="earmark.ingest.causalyn",
        function="ingest_causalyn",
        help="Causalyn B2B case study folder (accounts_raw.csv, users_raw.csv, ...)",
        description="Read the Causalyn CSV folder into customers, accounts, treatments and outcomes of "
        "campaign causalyn_collab_nudge, plus uplift_scores (the case study's own scores) and "
        "truth_users (hidden archetypes, nominal probabilities) when those files are present; "
        "transactions and activity become zero-row files.",
        path_help="the folder holding the Causalyn CSV files",
        path_metavar="DIR",
    ),
    Adapter(
        command="cdnow",
        label="CDNOW",
        module="earmark.ingest.cdnow",
        function="ingest_cdnow",
        help="CDNOW sample of Fader and Hardie (CDNOW_sample.txt, whitespace-separated)",
        description="Read CDNOW_sample.txt into transactions (one per line, 0-dollar lines kept for "
        "cleaning to exclude) and customers (signup at the first purchase); the entities it lacks "
        "become zero-row files.",
        path_help="the CDNOW_sample.txt file",
    ),
)

ADAPTER_BY_COMMAND: dict[str, Adapter] = {adapter.command: adapter for adapter in ADAPTERS}
