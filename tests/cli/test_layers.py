"""The import layers of DESIGN.md are enforced: lint-imports passes on the package and fails when a
layer that must never import torch does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          timeout=300)


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(ROOT / "vbench", tmp_path / "vbench", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layers(copy):
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.split("Contracts:")[-1].replace("0 broken", "")


@pytest.mark.parametrize("module,line,contract", [
    ("vbench/store/jsonl.py", "import torch", "never import torch"),
    ("vbench/scenario/schema.py", "import diffusers", "never import torch"),
    ("vbench/scenario/ids.py", "from vbench.harness import run_sweep", "DESIGN.md layers"),
    ("vbench/measure/clock.py", "import vbench.models", "DESIGN.md layers"),
])
def test_a_forbidden_import_breaks_the_lint(copy, module, line, contract):
    path = copy / module
    path.write_text(path.read_text() + f"\n{line}  # added by the test\n")
    result = _lint(copy)
    assert result.returncode != 0
    assert contract in result.stdout and "BROKEN" in result.stdout
