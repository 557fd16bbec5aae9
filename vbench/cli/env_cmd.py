"""``vbench env``: this machine's fingerprint and GPU memory."""

from __future__ import annotations

import json

from rich.table import Table

from vbench.cli.console import console as make_console
from vbench.units import format_bytes


def register(sub) -> None:
    p = sub.add_parser("env", help="show the machine fingerprint recorded with every run, and GPU memory")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    from vbench import env

    fp = env.fingerprint()
    mem = env.gpu_memory()
    if args.json:
        print(json.dumps({"fingerprint": fp, "gpu_memory": mem}, indent=2, default=str))
        return 0
    console = make_console()  # a log or a pipe is not wrapped
    table = Table(title="machine", show_header=False)
    for key, value in _flatten(fp):
        table.add_row(key, "—" if value is None else str(value))
    console.print(table)
    if not mem:
        console.print("GPU memory: no CUDA device")
        return 0
    gpu = Table(title="GPU memory")
    for col in ("device", "name", "total", "reserved", "allocated", "free"):
        gpu.add_column(col, justify="right" if col not in ("device", "name") else "left")
    for d in mem:  # the keys env.gpu_memory returns
        gpu.add_row(str(d["index"]), str(d["name"]),
                    *(format_bytes(d.get(k)) for k in ("total_bytes", "reserved_bytes", "allocated_bytes", "free_bytes")))
    console.print(gpu)
    for d in mem:
        if d.get("warning"):
            console.print(f"warning: {d['warning']}", markup=False)
    return 0


def _flatten(data, prefix=""):
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        else:
            yield name, value
