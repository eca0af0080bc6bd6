"""The installed package's version, from its metadata (``pyproject.toml`` is the one place it is written)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("kaohe")
except PackageNotFoundError:  # run from a source folder that was never installed
    VERSION = "0+unknown"
