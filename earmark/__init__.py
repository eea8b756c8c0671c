"""Earmark: decide which customers deserve scarce human effort, and show the evidence for each decision."""

from importlib.metadata import PackageNotFoundError, version

try:
    # The installed package's metadata, so the version is written once, in pyproject.toml.
    __version__ = version("earmark")
except PackageNotFoundError:  # a source tree on PYTHONPATH that was never installed
    __version__ = "0+unknown"
