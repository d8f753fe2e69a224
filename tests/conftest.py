"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared data folder (``FITMI_SHARED``, default ``../shared``)."""
    path = Path(os.environ.get("FITMI_SHARED", REPO_ROOT.parent / "shared"))
    if not path.is_dir():
        pytest.skip(f"shared data folder not found at {path} (set FITMI_SHARED)")
    return path
