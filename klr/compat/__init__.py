"""An importable stand-in for the `nki` package (and the first generation's
`neuronxcc.nki`), where the Neuron SDK is absent.

    import klr.compat
    klr.compat.install()          # no-op if a real `nki` is installed
    import my_kernels             # `import nki`, `@nki.jit` now work
    out = my_kernels.softmax_kernel(x)        # runs on KLR's simulator
    out = nki.simulate(my_kernels.softmax_kernel)(x)

Kernel bodies are never executed by Python: calling a kernel gathers its source, traces
it for the arguments and runs the `klr` interpreter. The stand-in never shadows a real
installation.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

_PROVIDED = ("nki", "nki.language", "nki.isa", "nki.typing", "nki.simulator", "neuronxcc", "neuronxcc.nki",
             "neuronxcc.nki.language", "neuronxcc.nki.isa", "neuronxcc.nki.typing")
_PACKAGES = ("nki", "neuronxcc", "neuronxcc.nki")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self.roots: set[str] = set()  # the top-level packages with no real installation

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname in _PROVIDED and fullname.split(".")[0] in self.roots:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname in _PACKAGES)
        return None

    def create_module(self, spec):  # type: ignore[no-untyped-def]
        from klr.compat import standin

        return standin.make(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        pass


_FINDER = _Finder()


def real_nki_available() -> bool:
    """Whether an `nki` other than this stand-in can be imported."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
        try:
            return importlib.util.find_spec("nki") is not None
        finally:
            sys.meta_path.append(_FINDER)
    return importlib.util.find_spec("nki") is not None


def install() -> bool:
    """Make `import nki` (and `import neuronxcc.nki`) resolve to the stand-in, each only
    where no real installation exists; False if a real `nki` exists."""
    if _FINDER in sys.meta_path:
        return "nki" in _FINDER.roots
    _FINDER.roots = {root for root in ("nki", "neuronxcc") if importlib.util.find_spec(root) is None}
    sys.meta_path.append(_FINDER)
    return "nki" in _FINDER.roots


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in _PROVIDED:
        mod = sys.modules.get(name)
        if mod is not None and getattr(mod, "__klr_standin__", False):
            del sys.modules[name]
