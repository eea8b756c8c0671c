"""`earmark --version` and `earmark.__version__` report the version pyproject.toml declares."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import earmark

pytestmark = pytest.mark.unit

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def pyproject_version() -> str:
    with PYPROJECT.open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def test_version_flag_prints_the_pyproject_version():
    # What the `earmark` console script runs (earmark.cli:main), in a fresh interpreter.
    result = subprocess.run(
        [sys.executable, "-m", "earmark.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"earmark {pyproject_version()}"


def test_package_version_is_the_pyproject_version():
    assert earmark.__version__ == pyproject_version()
