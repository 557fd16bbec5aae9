"""Reading a YAML file defensively: size, encoding, syntax, duplicate keys, depth and alias bombs.

``yaml.safe_load`` builds only plain data, but it still accepts a few things a config file should
not have: duplicate keys (the last one silently wins), aliases that expand a small file into
millions of nodes, and nesting deep enough to exhaust the parser's recursion. Each is an error here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vbench.errors import Problem
from vbench.scenario.textfile import read_text

MAX_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_NODES = 100_000


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """The parsed document and the problems found; the document is None when there are any."""
    text, why = read_text(path, MAX_BYTES)
    if why is not None:
        return None, [Problem("", why)]
    return parse_yaml(text)


def parse_yaml(text: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text after checking its node graph; see the module docstring."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, [Problem("", f"not valid YAML{where}: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [Problem("", f"not valid YAML: {exc}")]
    except RecursionError:
        return None, [Problem("", f"nested too deeply (at most {MAX_DEPTH} levels are allowed)")]
    if node is None:
        return None, [Problem("", "the file is empty; a scenario needs at least a 'model' section")]
    problems = _check_graph(node)
    if problems:
        return None, problems
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:  # e.g. a tag safe_load refuses
        return None, [Problem("", f"not valid YAML: {exc}")]


def _check_graph(root: yaml.Node) -> list[Problem]:
    problems: list[Problem] = []
    visits = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        visits += 1
        if visits > MAX_NODES:
            return [Problem("", f"expands to more than {MAX_NODES} values (an alias bomb?)")]
        if depth > MAX_DEPTH:
            return [Problem("", f"nested too deeply (at most {MAX_DEPTH} levels are allowed)")]
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        problems.append(Problem(
                            "", f"key {key.value!r} appears twice (lines {seen[key.value]} and "
                                f"{key.start_mark.line + 1}); keep one"))
                    seen[key.value] = key.start_mark.line + 1
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
    return problems
