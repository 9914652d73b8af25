"""Shared fixtures of the pytest suite."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings
from xdsl.context import Context

from klr.context import make_context

@pytest.fixture(scope="session")
def ctx() -> Context:
    return make_context()


# CI runs must be reproducible: the same examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
