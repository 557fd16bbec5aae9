"""The run options shared by the ``vbench`` command line and the pytest plugin, defined once.

Both argparse's ``add_argument`` and pytest's ``addoption`` take the same arguments, so one
function declares the options for either; ``prefix`` turns ``--set`` into ``--vbench-set``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def add_run_options(add: Callable[..., Any], prefix: str = "") -> None:
    """Declare the options of a run on ``add`` (``parser.add_argument`` or ``group.addoption``)."""
    dest = prefix.replace("-", "_")
    add(f"--{prefix}set", dest=f"{dest}set", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override any scenario field, e.g. workload.num_frames=33 or sweep.product.precision=[fp32,bf16]; "
             "validated like the file; may repeat")
    add(f"--{prefix}results" if prefix else "--out", dest=f"{dest}results", default=None, metavar="DIR",
        help="write vbench records under DIR/<scenario>/<session>.jsonl" + ("" if prefix else " (default: results)"))
    add(f"--{prefix}resume", dest=f"{dest}resume", action="store_true", default=False,
        help="skip runs whose run_id is already stored with status ok in the results directory")
    add(f"--{prefix}device", dest=f"{dest}device", default=None, metavar="DEVICE",
        help="run on this device (auto, cpu, cuda, cuda:N); overrides measure.device")
    if prefix:  # `vbench run` scores by default (its --no-quality turns that off)
        add(f"--{prefix}quality", dest=f"{dest}quality", action="store_true", default=False,
            help=f"after the session, score the written runs (--{prefix}results) whose scenario lists metrics "
                 "against their reference runs")


def overrides_from(sets: list[str], device: str | None) -> list[str]:
    """The ``--set`` list with ``--device`` folded in as one more override."""
    return [*sets, f"measure.device={device}"] if device else list(sets)
