"""vbench: benchmark and profile video diffusion models."""
__version__ = "0.1.0"
