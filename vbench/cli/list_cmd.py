"""``vbench list``: families, sources, published architectures, scenario files, optimization names."""

from __future__ import annotations

import typing
from pathlib import Path

from rich.table import Table

from vbench.cli.console import console as make_console
from vbench.scenario import ARCH_MODELS, FAMILIES, SOURCES, Optimizations
from vbench.scenario.families import GENERIC, TINY_NAMES
from vbench.scenario.schema import METRIC_NAMES

_SOURCES = {
    "tiny": ("built-in small config, seeded random weights; seconds on a CPU; with name: a tiny stand-in of a "
             "published architecture's shape (" + ", ".join(TINY_NAMES) + ")"),
    "arch": ("full-size published architecture and text encoders, random weights, no download: true speed and "
             "memory; with text_encoder: pseudo the encoders are left out (no text-encode time or encoder memory)"),
    "hub": "from_pretrained(name, revision=…) with the real text encoders",
    "local": "a directory written by save_pretrained",
    "object": "a pipeline the caller built, measured from Python: vbench.measure_pipeline(pipe, workload, …)",
}


def register(sub) -> None:
    p = sub.add_parser("list", help="list families, sources, architectures, scenarios and optimizations")
    p.add_argument("what", nargs="?", default="all",
                   choices=("all", "families", "sources", "models", "scenarios", "optimizations", "metrics"))
    p.add_argument("--scenario-dir", default="scenarios", help="where to look for scenario files")
    p.add_argument("--no-params", action="store_true", help="leave the parameter counts out")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    console = make_console()
    def show(name):
        return (args.what in ("all", name))
    if show("families"):
        t = Table(title="families")
        for col in ("family", "pipeline", "frames (tiny)", "frames (published)", "height/width multiple"):
            t.add_column(col)
        for f in FAMILIES.values():
            t.add_row(f.name, f.pipeline, f.frames.describe(), f.frame_rule("arch").describe(),
                      f"{f.spatial('tiny')} / {f.spatial('arch')}")
        t.add_row(GENERIC, "any other diffusers pipeline (hub, local, object)", "the pipeline's own checks",
                  "the pipeline's own checks", "—")
        console.print(t)
    if show("sources"):
        t = Table(title="sources")
        t.add_column("source")
        t.add_column("what it builds")
        for s in SOURCES:
            t.add_row(s, _SOURCES[s])
        console.print(t)
    if show("models"):
        console.print(_models_table(with_params=not args.no_params))
    if show("scenarios"):
        console.print(_scenarios_table(Path(args.scenario_dir)))
    if show("optimizations"):
        t = Table(title="optimizations (scenario section and sweep axes)")
        t.add_column("field")
        t.add_column("default")
        t.add_column("allowed")
        for name, field in Optimizations.model_fields.items():
            t.add_row(name, repr(field.default), _allowed(field.annotation))
        console.print(t)
    if show("metrics"):
        console.print("metrics: " + ", ".join(METRIC_NAMES))
    return 0


def _models_table(with_params: bool) -> Table:
    t = Table(title="published architectures (source: arch; text encoders at full size unless text_encoder: pseudo)")
    for col in ("name", "family", "denoiser params", "vae params", "text encoder params", "other weights"):
        t.add_column(col)
    from vbench.scenario.arch_sizes import ARCH_SIZES  # data, checked against the built models by a test

    for name, family in ARCH_MODELS.items():
        c = ARCH_SIZES.get(name, {}) if with_params else {}
        text = " + ".join(f"{_billions(e['parameters'])} ({e['class']})" for e in c.get("text_encoders", {}).values())
        other = " + ".join(f"{_billions(n)} ({k})" for k, n in c.get("other", {}).items())
        t.add_row(name, family, *(_billions(c[k]) if c.get(k) else "—" for k in ("denoiser", "vae")), text or "—",
                  other or "—")
    return t


def _billions(n: int) -> str:
    return f"{n / 1e9:.3f} B"


def _scenarios_table(folder: Path) -> Table:
    import yaml

    t = Table(title=f"scenario files in {folder}/")
    t.add_column("file")
    t.add_column("description")
    for path in sorted(folder.glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            desc = doc.get("description", "") if isinstance(doc, dict) else ""
        except (OSError, yaml.YAMLError) as exc:
            desc = f"(unreadable: {exc})"
        t.add_row(str(path), desc)
    return t


def _allowed(annotation) -> str:
    args = typing.get_args(annotation)
    literals = [a for arg in (args or (annotation,)) for a in (typing.get_args(arg) if typing.get_origin(arg)
                                                                 is typing.Literal else ())]
    if typing.get_origin(annotation) is typing.Literal:
        literals = list(args)
    if literals:
        return ", ".join(map(str, literals)) + (" or null" if type(None) in args else "")
    names = [getattr(a, "__name__", str(a)) for a in (args or (annotation,))]
    return " | ".join("null" if n == "NoneType" else n for n in names)
