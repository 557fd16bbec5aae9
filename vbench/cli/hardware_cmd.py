"""``vbench hardware``: the GPU profiles plans and projections use, and which one a device name matches."""

from __future__ import annotations

import json

from rich.table import Table

from vbench.cli.console import console as make_console

PRICE_HELP = "override a profile's typical hourly price, e.g. --price rtx-4090=0.45 (US dollars); may repeat"


def register(sub) -> None:
    p = sub.add_parser("hardware", help="list the GPU hardware profiles (memory, TFLOP/s, bandwidth, power, price)")
    p.add_argument("--match", metavar="DEVICE", default=None,
                   help="show the profile a device name matches, e.g. --match 'NVIDIA H100 80GB HBM3'")
    p.add_argument("--price", action="append", default=[], metavar="ID=USD", help=PRICE_HELP)
    p.add_argument("--json", action="store_true", help="print the profiles as JSON")
    p.set_defaults(handler=handle)


def parse_prices(specs: list[str]) -> dict[str, float]:
    """``["rtx-4090=0.45"]`` → ``{"rtx-4090": 0.45}``.

    Raises:
        ScenarioError: not ``ID=NUMBER`` with a positive number (exit 2).
    """
    from vbench.errors import Problem, ScenarioError
    from vbench.units import parse_price

    out = {}
    for spec in specs:
        try:
            name, price = parse_price(spec)
        except ValueError:
            raise ScenarioError("--price", [Problem("", "expected ID=USD per hour, e.g. --price rtx-4090=0.45 "
                                                    "(a positive number; `vbench hardware` lists the ids)",
                                                    spec, True)]) from None
        out[name.lower()] = price
    return out


def handle(args) -> int:
    from vbench.errors import Problem, ScenarioError
    from vbench.hardware import load_profiles, match_profile, profiles_version, with_prices

    try:
        profiles = with_prices(load_profiles(), parse_prices(args.price))
    except ValueError as exc:
        raise ScenarioError("--price", [Problem("", str(exc).removeprefix("--price "))]) from None
    if args.match is not None:
        found = match_profile(args.match)
        found = next((p for p in profiles if found is not None and p.id == found.id), None)
        if args.json:
            print(json.dumps(found.model_dump() if found else None, indent=2))
        elif found is None:
            make_console().print(f"no profile matches {args.match!r}; `vbench hardware` lists them", markup=False)
        else:
            make_console().print(f"{args.match!r} → {found.id} ({found.name})", markup=False)
        return 0
    if args.json:
        print(json.dumps({"version": profiles_version(), "profiles": [p.model_dump() for p in profiles]}, indent=2))
        return 0
    table = Table(title="hardware profiles (dense TFLOP/s; price: typical on-demand $/h, override with --price)")
    for col in ("id", "name", "memory", "fp32", "bf16", "fp8", "int8", "bandwidth", "power", "$/h"):
        table.add_column(col, justify="left" if col in ("id", "name") else "right")
    overridden = set(parse_prices(args.price))
    for p in profiles:
        rates = [_num(getattr(p.tflops, d)) for d in ("fp32", "bf16", "fp8", "int8")]
        price = "—" if p.price_usd_per_hour is None else f"{p.price_usd_per_hour:.2f}"
        table.add_row(p.id, p.name, f"{p.memory_gib:g} GiB", *rates, f"{p.bandwidth_gb_s:,.0f} GB/s",
                      f"{p.tdp_w:,.0f} W", price + (" (--price)" if p.id in overridden else ""))
    make_console().print(table)
    return 0


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"
