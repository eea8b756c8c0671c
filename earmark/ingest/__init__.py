"""Adapters that turn public data sets into the raw input contract (`earmark.contract`)."""
