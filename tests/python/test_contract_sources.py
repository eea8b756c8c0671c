"""The dbt source definition of the raw contract is generated from earmark.contract and kept current."""

from __future__ import annotations

import pytest
from conftest import PROJECT_ROOT

from earmark.contract.dbt_sources import SOURCES_PATH, render_sources_yaml

pytestmark = pytest.mark.unit


def test_sources_yaml_is_generated_from_the_contract() -> None:
    committed = (PROJECT_ROOT / SOURCES_PATH).read_text()
    assert committed == render_sources_yaml(), "run `python -m earmark.contract.dbt_sources` to regenerate"
