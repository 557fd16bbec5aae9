"""The version of vbench, apart from the package root (which re-exports the Python API)."""

__version__ = "0.1.0"
