"""KLR in Python: a multi-level compiler and simulator for NKI kernels, on xDSL.

The public Python API is loaded lazily so that `import klr` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from klr.diagnostics import Diagnostic, KlrError
    from klr.frontend.gather import GatherResult, gather
    from klr.interp import load, simulate
    from klr.tracer import TensorSpec, TraceResult, trace

__all__ = [
    "gather",
    "GatherResult",
    "trace",
    "simulate",
    "load",
    "TraceResult",
    "TensorSpec",
    "KlrError",
    "Diagnostic",
    "__version__",
]

_LAZY = {
    "gather": ("klr.frontend.gather", "gather"),
    "GatherResult": ("klr.frontend.gather", "GatherResult"),
    "trace": ("klr.tracer", "trace"),
    "simulate": ("klr.interp", "simulate"),
    "load": ("klr.interp", "load"),
    "TraceResult": ("klr.tracer", "TraceResult"),
    "TensorSpec": ("klr.tracer", "TensorSpec"),
    "KlrError": ("klr.diagnostics", "KlrError"),
    "Diagnostic": ("klr.diagnostics", "Diagnostic"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'klr' has no attribute '{name}'")
