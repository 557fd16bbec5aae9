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
    console = Console()
    table = Table(title="machine", show_header=False)
    for key, value in _flatten(fp):
        table.add_row(key, "—" if value is None else str(value))
    console.print(table)
    if not mem:
        console.print("GPU memory: no CUDA device")
        return 0
    gib = 1024**3
    gpu = Table(title="GPU memory (GiB)")
    for col in ("device", "name", "total", "reserved", "allocated", "free", "warning"):
        gpu.add_column(col)
    for d in mem:
        gpu.add_row(str(d.get("index")), str(d.get("name")),
                    *(f"{d[k] / gib:.2f}" if d.get(k) is not None else "—"
                      for k in ("total", "reserved", "allocated", "free")),
                    d.get("warning") or "")
    console.print(gpu)
    return 0


def _flatten(data, prefix=""):
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        else:
            yield name, value
