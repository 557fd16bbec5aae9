"""``vbench score RESULTS…``: compute quality (PSNR, SSIM, LPIPS, temporal, FVD) for stored runs."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("score", help="score stored runs against their reference runs and write 'quality' into the records")
    p.add_argument("results", nargs="+", metavar="RESULTS", help="session .jsonl files or results folders")
    p.add_argument("--device", default=None, metavar="DEVICE", help="cpu, cuda, cuda:N (default: CUDA when present)")
    p.add_argument("--force", action="store_true", help="score records that already have a quality again")
    p.add_argument("--fvd-extractor", default=None, metavar="I3D_TORCHSCRIPT",
                   help="StyleGAN-V's i3d_torchscript.pt to use for FVD instead of the built-in I3D "
                        "(also $VBENCH_I3D_TORCHSCRIPT)")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    from vbench.cli.console import console as make_console
    from vbench.scoring.session import score_session
    from vbench.store import find_result_files

    console = make_console(stderr=True)
    files = find_result_files(args.results)  # ResultsError (exit 2) for a path that does not exist
    if not files:
        console.print("no results files found under " + ", ".join(args.results))
        return 2
    total = 0
    for path in files:
        result = score_session(path, console=console, device=args.device, force=args.force,
                               fvd_extractor=args.fvd_extractor)
        total += len(result.scored)
        if not result.scored:
            console.print(f"{path}: nothing to score ({result.skipped} ok runs already scored or without metrics)")
    console.print(f"{total} runs scored in {len(files)} file(s)")
    return 0
