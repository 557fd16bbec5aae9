"""Optional dependencies: import them when needed, or say exactly how to install them."""

from __future__ import annotations

import importlib
from types import ModuleType

from vbench.errors import UnsupportedError

#: module name -> (pip requirement, vbench extra that provides it)
KNOWN = {
    "torchao": ("torchao", "quant"),
    "optimum.quanto": ("optimum-quanto", "quant"),
    "bitsandbytes": ("bitsandbytes", None),
    "playwright": ("playwright", "browser"),
    "flash_attn": ("flash-attn", None),
    "sageattention": ("sageattention", None),
    "xformers": ("xformers", None),
    "cv2": ("opencv-python-headless", None),
    "ray": ("ray", "ray"),
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise :class:`UnsupportedError` naming the package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package, extra = KNOWN.get(module, (module, None))
        how = f"pip install 'vbench[{extra}]'" if extra else f"pip install {package}"
        raise UnsupportedError(f"needs the package {package!r}, which is not installed ({how})") from exc


def available(module: str) -> bool:
    """Whether ``module`` can be imported, without raising."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
