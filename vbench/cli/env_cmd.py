"""``vbench env``: this machine's fingerprint and GPU memory."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table


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
    console = Console(width=None if Console().is_terminal else 200)  # a log or a pipe is not wrapped
    table = Table(title="machine", show_header=False)
    for key, value in _flatten(fp):
        table.add_row(key, "—" if value is None else str(value))
    console.print(table)
    if not mem:
        console.print("GPU memory: no CUDA device")
        return 0
    gib = 1024**3
    gpu = Table(title="GPU memory (GiB)")
    for col in ("device", "name", "total", "reserved", "allocated", "free"):
        gpu.add_column(col)
    for d in mem:  # the keys env.gpu_memory returns
        gpu.add_row(str(d["index"]), str(d["name"]),
                    *(f"{d[k] / gib:.2f}" if d.get(k) is not None else "—"
                      for k in ("total_bytes", "reserved_bytes", "allocated_bytes", "free_bytes")))
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
