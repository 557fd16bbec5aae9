"""Every kind of bad scenario input gives one readable message naming file, field and what is allowed.

Each case runs the real command (``vbench validate``) in-process and checks its exit code (2), that
there is no traceback, and that the message names the file, the field and the allowed values.
"""

from __future__ import annotations

import os
import textwrap

import pytest

from vbench.cli.main import main

GOOD = """
model: {family: wan, source: tiny}
workload: {num_frames: 17, height: 64, width: 64, num_inference_steps: 2}
"""

# (name, file text or None for a missing file, substrings the message must contain)
CASES = [
    ("missing file", None, ["file not found"]),
    ("not yaml", "model: {family: wan\n", ["not valid YAML", "line 2"]),
    ("empty file", "", ["empty", "'model'"]),
    ("only a comment", "# nothing here\n", ["empty"]),
    ("top level is a list", "- model\n- wan\n", ["top level must be a mapping", "list"]),
    ("deep nesting", "a: " + "[" * 2000 + "]" * 2000 + "\n", ["nested too deeply"]),
    ("moderate nesting over the limit", "a: " + "[" * 40 + "]" * 40 + "\n", ["nested too deeply", "32"]),
    ("alias bomb", "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9) if p else ', '.join(['1'] * 9)}]\n"
        for p, c in zip(["", "a", "b", "c", "d", "e"], "abcdef", strict=True)), ["alias bomb"]),
    ("duplicate key", "model: {family: wan}\nmodel: {family: ltx}\n", ["'model' appears twice", "lines 1 and 2"]),
    ("misspelt key", "model: {family: wan, sorce: tiny}\n", ["model.sorce", "did you mean 'source'",
                                                                  "allowed here"]),
    ("misspelt section", GOOD + "optimisations: {precision: bf16}\n", ["optimisations", "optimizations"]),
    ("missing model", "workload: {num_frames: 17}\n", ["model", "required"]),
    ("unknown family", "model: {family: sora}\n", ["model.family", "'sora'", "wan", "mochi"]),
    ("wrong type", GOOD + "measure: {repeats: three}\n", ["measure.repeats", "valid integer", "'three'"]),
    ("string for an int", "model: {family: wan}\nworkload: {num_frames: '17'}\n", ["workload.num_frames",
                                                                                  "'17'"]),
    ("bool for an int", "model: {family: wan}\nworkload: {height: true}\n", ["workload.height"]),
    ("out of range", GOOD + "measure: {warmup: -1}\n", ["measure.warmup", "greater than or equal to 0", "-1"]),
    ("bad precision", GOOD + "optimizations: {precision: int4}\n", ["optimizations.precision", "'int4'", "bf16"]),
    ("frames not 4k+1 for wan", "model: {family: wan}\nworkload: {num_frames: 16}\n",
     ["workload.num_frames", "16 frames", "'wan'", "4k+1"]),
    ("frames not 6k+1 for mochi", "model: {family: mochi}\nworkload: {num_frames: 17}\n",
     ["workload.num_frames", "'mochi'", "6k+1"]),
    ("swept frames incompatible", GOOD + "sweep: {product: {num_frames: [17, 20]}}\n",
     ["sweep axis workload.num_frames", "20 frames", "4k+1"]),
    ("one frame for svd", "model: {family: svd}\nworkload: {num_frames: 1}\n", ["workload.num_frames",
                                                                                "at least 2"]),
    ("one step for mochi", "model: {family: mochi}\nworkload: {num_frames: 7, num_inference_steps: 1}\n",
     ["workload.num_inference_steps", "at least 2"]),
    ("height not a multiple", "model: {family: ltx}\nworkload: {height: 48}\n", ["workload.height",
                                                                                "multiples of 32"]),
    ("Wan2.2-TI2V-5B needs multiples of 32",
     "model: {family: wan, source: arch, name: Wan2.2-TI2V-5B}\nworkload: {height: 48}\n",
     ["workload.height", "48 is not allowed for Wan2.2-TI2V-5B (arch)", "multiples of 32"]),
    ("zip groups of unequal length", GOOD + "sweep:\n  zip:\n    - {height: [64, 128], width: [64]}\n",
     ["sweep.zip[0]", "equal lengths", "height: 2", "width: 1"]),
    ("exclude matching nothing", GOOD + "sweep:\n  product: {precision: [fp32, bf16]}\n"
                                        "  exclude:\n    - {precision: fp16}\n",
     ["sweep.exclude[0]", "matches no run"]),
    ("unknown sweep axis", GOOD + "sweep: {product: {precison: [fp32]}}\n", ["sweep.product.precison",
                                                                           "did you mean 'precision'"]),
    ("bad value on an axis", GOOD + "sweep: {product: {precision: [fp32, int3]}}\n",
     ["sweep.product.precision[1]", "'int3'", "allowed"]),
    ("repeated axis value", GOOD + "sweep: {product: {num_inference_steps: [2, 2]}}\n",
     ["sweep.product.num_inference_steps[1]", "repeats"]),
    ("axis swept twice", GOOD + "sweep:\n  product: {height: [64]}\n  zip:\n    - {height: [64], width: [64]}\n",
     ["already swept"]),
    ("seeds as an axis", GOOD + "sweep: {product: {seeds: [1, 2]}}\n", ["prompts and seeds are not axes"]),
    ("arch without a name", "model: {family: wan, source: arch}\n", ["model.name", "Wan2.1-T2V-1.3B"]),
    ("hub without revision", "model: {family: wan, source: hub, name: x/y}\n", ["model.revision", "pinned"]),
    ("chunk overlap too large", GOOD + "optimizations: {chunk_frames: 2, chunk_overlap: 2}\n",
     ["optimizations.chunk_overlap", "smaller than chunk_frames"]),
    ("seed of the weights overflows", "model: {family: wan, weights_seed: 18446744073709551616}\n",
     ["model.weights_seed", "less than 9223372036854775808"]),
    ("an infinite memory budget", GOOD + "limits: {memory_budget_gb: .inf}\n",
     ["limits.memory_budget_gb", "less than or equal to 1000000"]),
    ("an infinite host limit", GOOD + "limits: {host_memory_gb: .inf}\n", ["limits.host_memory_gb"]),
    ("a huge chunk", GOOD + "optimizations: {chunk_frames: 99999999999999999999}\n", ["optimizations.chunk_frames"]),
    ("a quality floor on a metric without direction", GOOD + "limits: {min_quality: {frame_ssim: 0.5}}\n",
     ["limits.min_quality", "'frame_ssim'", "allowed: psnr"]),
    ("an infinite precision target", GOOD + "measure: {rel_ci: .inf}\n", ["measure.rel_ci"]),
    ("a name that is the store's own folder", "name: outputs\nmodel: {family: wan}\n",
     ["name", "'outputs' is the name of a folder of the results store"]),
    ("allowed: at the start of a message", GOOD + "measure: {device: gpu}\n",
     ["measure.device: allowed: auto, cpu", "'gpu'"]),
    ("bad reference optimization", GOOD + "reference: {optimizations: {precision: fp64}}\n",
     ["reference.optimizations.precision", "'fp64'"]),
    ("bad reference workload", GOOD + "reference: {workload: {num_inference_steps: 0}}\n",
     ["reference.workload.num_inference_steps"]),
    ("unknown attention backend", GOOD + "optimizations: {attention_backend: fast}\n",
     ["optimizations.attention_backend", "flash", "sage"]),
    ("bad device", GOOD + "measure: {device: gpu0}\n", ["measure.device", "cuda:N"]),
    ("missing prompt file", GOOD.replace("workload: {", "workload: {prompt_file: nowhere.txt, "),
     ["workload.prompt_file", "nowhere.txt: file not found"]),
    ("bad scenario name", GOOD + "name: 'a/b'\n", ["name", "letters, digits"]),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_message(tmp_path, capsys, name, text, expected):
    path = tmp_path / "scenario.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert str(path) in err
    for piece in expected:
        assert piece in err, f"{piece!r} not in message:\n{err}"


def test_each_problem_is_one_line_naming_the_file(tmp_path, capsys):
    path = tmp_path / "three.yaml"
    path.write_text(textwrap.dedent("""
        model: {family: wan, sorce: tiny}
        workload: {num_frames: seventeen, height: -5}
    """))
    assert main(["validate", str(path)]) == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 3
    assert all(ln.startswith(str(path) + ": ") for ln in lines)
    assert {ln.split(": ")[1] for ln in lines} == {"model.sorce", "workload.num_frames", "workload.height"}


def test_set_override_is_validated_like_the_file(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD)
    assert main(["validate", str(path)]) == 0
    assert main(["validate", str(path), "--set", "workload.num_frames=18"]) == 2
    err = capsys.readouterr().err
    assert "--set workload.num_frames=18" in err and "workload.num_frames" in err and "4k+1" in err
    assert main(["validate", str(path), "--set", "no-equals-sign"]) == 2
    assert "KEY.PATH=VALUE" in capsys.readouterr().err


def test_valid_file_reports_run_count(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD + "sweep: {product: {precision: [fp32, bf16], num_inference_steps: [2, 4]}}\n")
    assert main(["validate", str(path)]) == 0
    assert "4 runs" in capsys.readouterr().out


def test_the_reserved_names_are_the_stores_folders():
    from vbench.scenario.schema import RESERVED_NAMES
    from vbench.store.layout import OUTPUTS_DIR

    assert OUTPUTS_DIR in RESERVED_NAMES


def _special(tmp_path, kind):
    path = tmp_path / "scenario.yaml"
    if kind == "fifo":
        os.mkfifo(path)  # opening it would block until a writer comes: it must never be opened
    elif kind == "folder":
        path.mkdir()
    elif kind == "huge":
        with open(path, "wb") as fh:  # sparse: 2 GiB that must never be read whole
            fh.truncate(2 << 30)
    elif kind == "binary":
        path.write_bytes(b"model: {family: wan}\n\xff\xfe")
    return path


@pytest.mark.parametrize("kind, expected", [
    ("fifo", "not a regular file"), ("folder", "is a folder"),
    ("huge", "larger than 1048576 bytes"), ("binary", "not UTF-8 text (byte 21)"),
])
def test_files_that_cannot_be_read_as_text_are_one_message(tmp_path, capsys, kind, expected):
    path = _special(tmp_path, kind)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: ") and expected in err and "Traceback" not in err, err


@pytest.mark.parametrize("kind", ["fifo", "folder", "huge"])
def test_a_prompt_file_that_is_not_a_small_text_file_is_one_message(tmp_path, capsys, kind):
    target = _special(tmp_path, kind)
    prompts = target.rename(tmp_path / "prompts.txt")
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("workload: {", "workload: {prompt_file: prompts.txt, "))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "workload.prompt_file" in err and str(prompts) in err and "Traceback" not in err, err


def test_an_io_error_while_reading_is_one_message(tmp_path, capsys, monkeypatch):
    import errno

    import vbench.scenario.textfile as textfile

    path = tmp_path / "scenario.yaml"
    path.write_text(GOOD)

    real_open = os.open

    def failing_open(file, flags, *args):
        if str(file) == str(path):
            raise OSError(code, os.strerror(code))
        return real_open(file, flags, *args)

    for code in (errno.EIO, errno.EACCES):  # an I/O error; permissions (root reads any file, so faked)
        monkeypatch.setattr(textfile.os, "open", failing_open)
        assert main(["validate", str(path)]) == 2
        assert capsys.readouterr().err == f"{path}: cannot be read: {os.strerror(code)}\n"
        monkeypatch.undo()


def test_odd_paths_are_one_message(tmp_path, capsys):
    link = tmp_path / "dangling.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    assert main(["validate", str(link)]) == 2
    assert "file not found" in capsys.readouterr().err
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("workload: {", 'workload: {prompt_file: "a\\0b.txt", '))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "workload.prompt_file" in err and "cannot be read" in err and "Traceback" not in err, err


@pytest.mark.parametrize("text, expected", [
    ("- model\n- wan\n", "the top level must be a mapping"),  # used to be replaced by the --set alone
    ("model: wan\n", "model: is not a mapping, so --set model.family=wan has no sub-key to set (got 'wan')"),
])
def test_set_on_a_document_that_is_not_a_mapping_is_the_files_error(tmp_path, capsys, text, expected):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert main(["validate", str(path), "--set", "model.family=wan"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path} (with --set model.family=wan): ") and expected in err, err


def test_validate_on_a_512_mib_file_stays_small(tmp_path):
    """The size check reads at most the limit plus one byte: a 512 MiB scenario (written whole, not
    sparse) costs `vbench validate` no more than its usual memory."""
    import subprocess
    import sys

    path = tmp_path / "huge.yaml"
    block = b"# " + b"x" * (1 << 20) + b"\n"
    with open(path, "wb") as fh:
        for _ in range(512):
            fh.write(block)
    # VmHWM: this process's own peak (ru_maxrss survives exec, so it would count the forked pytest)
    code = ("import re, sys; from vbench.cli.main import main; rc = main(['validate', sys.argv[1]]); "
            "print(re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())[1]); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "larger than 1048576 bytes" in done.stderr
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    assert peak_kib < 100 * 1024, f"validate peaked at {peak_kib / 1024:.0f} MiB of RSS"
