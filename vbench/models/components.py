"""Pipeline components described as data, and the one function that instantiates them.

Both the tiny configs and the published architectures are written as :class:`Component`
values: a library, a class name and keyword arguments. Keeping them as data lets the same
description be built for real (tiny), on the meta device (``arch``, parameter counts) or
inspected by ``vbench list`` without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Component:
    """One pipeline component: ``library.cls(**kwargs)``.

    For a transformers model, ``config_cls`` names its config class and ``kwargs`` are the
    config's arguments (``cls(config_cls(**kwargs))``).
    """

    library: str  #: "diffusers" | "transformers" | a module path
    cls: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    config_cls: str | None = None

    def with_kwargs(self, **changes: Any) -> Component:
        """A copy with some keyword arguments replaced."""
        return replace(self, kwargs={**self.kwargs, **changes})

    def is_model(self) -> bool:
        """Whether this component holds weights (an ``nn.Module``), not a scheduler, processor, tokenizer or guider."""
        return self.config_cls is not None or not self.cls.endswith(("Scheduler", "Processor", "Tokenizer",
                                                                     "Guidance"))


def resolve_class(library: str, name: str) -> type:
    """The class ``name`` from ``diffusers``, ``transformers`` or a module path (vbench's hash tokenizer)."""
    import importlib

    module = importlib.import_module(library)
    return getattr(module, name)


def make(component: Component) -> Any:
    """Instantiate ``component`` on the current default device (wrap in a meta context to skip memory)."""
    cls = resolve_class(component.library, component.cls)
    if component.config_cls is not None:
        config = resolve_class(component.library, component.config_cls)(**component.kwargs)
        return cls(config)
    return cls(**component.kwargs)


def cut_layers(denoiser: Component, layer_keys: tuple[str, ...], num_layers: int | None) -> Component:
    """``denoiser`` with each block count in ``layer_keys`` cut to at most ``num_layers``."""
    if num_layers is None:
        return denoiser
    if num_layers < 1:
        raise ValueError(f"num_layers must be >= 1, got {num_layers}")
    changes = {}
    for key in layer_keys:
        current = denoiser.kwargs.get(key, _class_default(denoiser, key))
        changes[key] = min(int(num_layers), int(current))
    return denoiser.with_kwargs(**changes)


def _class_default(component: Component, key: str) -> Any:
    import inspect

    cls = resolve_class(component.library, component.cls)
    return inspect.signature(cls.__init__).parameters[key].default
