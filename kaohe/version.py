"""The installed package's version, from its metadata (``pyproject.toml`` is the one place it is written)."""

from __future__ import annotations

import functools


@functools.cache
def version() -> str:
    """The version of the installed kaohe (read when first asked for: the metadata take a while to load)."""
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed("kaohe")
    except PackageNotFoundError:  # run from a source folder that was never installed
        return "0+unknown"
