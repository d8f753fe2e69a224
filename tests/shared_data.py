"""The shared reference data (``FITMI_SHARED``, default ``../shared``): read by path, never copied.

Only what no package ships comes from there (the Turin and central-Milan road networks, the
benchmark instances). A test that needs one of these files skips, naming it, where it is absent,
as on a new user's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MILAN_EXTRACT = "gis/roads/milano_centro_partial_overpass_2019-02-26.osm.bz2"
TURIN_NETWORK = "gis/roads/torino_drive_osm2018.graphml.gz"


def shared_root() -> Path:
    return Path(os.environ.get("FITMI_SHARED", REPO_ROOT.parent / "shared"))


def shared_file(relative: str) -> Path:
    """The shared file at ``relative``, or a skip that names it."""
    path = shared_root() / relative
    if not path.is_file():
        pytest.skip(f"reference data not found: {relative} under {shared_root()} (set FITMI_SHARED)")
    return path
