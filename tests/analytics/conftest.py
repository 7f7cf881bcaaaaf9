"""The console fixtures (a real app on SQLite, browsers with their own cookies) for the
dashboard's tests; the `database` (SQLite and PostgreSQL) and `chromium` fixtures come
from tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.console.conftest import console

__all__ = ["console"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """aiohttp-session 2.12 stores its request keys as strings (aiohttp warns)."""
    for item in items:
        if "tests/analytics/" in item.nodeid:
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::aiohttp.web_exceptions.NotAppKeyWarning"))
