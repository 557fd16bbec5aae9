"""One unit family for memory everywhere: binary prefixes (GiB, MiB), as ``nvidia-smi`` and torch
report a card. The CLI, ``compare`` and the report all format bytes through :func:`format_bytes`,
so "14.0 MiB" in a terminal is "14.0 MiB" in the report. ``limits.memory_budget_gb`` is read in
GiB too (a "24 GB" card has 24 GiB).

>>> format_bytes(14 * MIB), format_bytes(3 * GIB / 2), format_bytes(None)
('14.0 MiB', '1.50 GiB', '—')
"""

from __future__ import annotations

import math
from typing import Any

KIB = 1024
MIB = 1024**2
GIB = 1024**3


def budget_bytes(gib: float) -> int:
    """``limits.memory_budget_gb`` in bytes."""
    return int(gib * GIB)


def format_bytes(value: Any, digits: int = 3) -> str:
    """Bytes with a binary prefix and ``digits`` significant digits; an em dash when unknown.

    At or above 1 GiB the number is shown in GiB, below it in MiB (KiB under 1 MiB), so a
    reading never turns into "0.01 GiB".
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "—"
    size = abs(value)
    unit, scale = ("GiB", GIB) if size >= GIB else ("MiB", MIB) if size >= MIB else ("KiB", KIB) if size >= KIB else ("B", 1)
    return f"{_significant(value / scale, digits)} {unit}"


def format_bytes_delta(value: Any, digits: int = 3) -> str:
    """A signed byte difference (``+14.0 MiB``)."""
    text = format_bytes(value, digits)
    return text if text == "—" or text.startswith("-") else f"+{text}"


def _significant(x: float, digits: int) -> str:
    if x == 0:
        return "0"
    decimals = max(digits - 1 - int(math.floor(math.log10(abs(x)))), 0)
    return f"{x:.{decimals}f}"


def parse_price(spec: str) -> tuple[str, float]:
    """``"H100=2.49"`` or ``"H100=2.49/h"`` → ``("H100", 2.49)`` (US dollars per hour).

    Raises:
        ValueError: not ``NAME=NUMBER`` with a positive number.
    """
    name, sep, value = spec.rpartition("=")
    value = value.strip().removesuffix("/h").removeprefix("$").strip()
    try:
        price = float(value)
    except ValueError:
        price = math.nan
    if not sep or not name.strip() or not math.isfinite(price) or price <= 0:
        raise ValueError(f"--price {spec!r}: expected GPU=USD/h, e.g. --price H100=2.49 (a positive number)")
    return name.strip(), price
