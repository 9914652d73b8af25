"""The contents of the stand-in `nki`, `nki.language`, `nki.isa` and `nki.typing` modules."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

from klr.dialects.klr import ActFunc, AluOp, Dtype


class Kernel:
    """What `@nki.jit` returns: call it with NumPy arrays to run it on KLR's simulator."""

    def __init__(self, fn: Callable[..., Any], grid: tuple[int, ...] = (), **options: Any):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.grid = grid
        self.options = options

    def __getitem__(self, grid: Any) -> Kernel:
        dims = grid if isinstance(grid, tuple) else (grid,)
        return Kernel(self.fn, tuple(int(d) for d in dims), **self.options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from klr.interp import simulate

        return simulate(self.fn, grid=self.grid)(*args, **kwargs)

    def with_schedule(self, edges: Any) -> Kernel:
        """`kernel.with_schedule([(consumer, producer | [producers]), ...])` (nki.md §2.2):
        dependency edges between named instructions. KLR runs instructions in program
        order, which satisfies every edge; the edges are checked for shape only."""
        for edge in edges:
            ok = isinstance(edge, (tuple, list)) and len(edge) == 2 and isinstance(edge[0], str)
            producers = edge[1] if ok and isinstance(edge[1], (list, tuple)) else [edge[1]] if ok else []
            if not ok or not all(isinstance(p, str) for p in producers):
                raise TypeError(
                    f"with_schedule takes (consumer_name, producer_name | [names]) pairs, got {edge!r}"
                )
        return self

    def __repr__(self) -> str:
        return f"<nki kernel {self.fn.__name__} (KLR stand-in)>"


def jit(fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    if fn is None:
        return lambda f: Kernel(f, **options)
    return Kernel(fn, **options)


def simulate(kernel: Any, **options: Any) -> Callable[..., Any]:
    from klr.interp import simulate as run

    grid = getattr(kernel, "grid", ())
    fn = getattr(kernel, "fn", kernel)
    return run(fn, grid=grid, **options)


class _OnlyInKernels:
    """A library function: usable inside kernels (which KLR traces), not from Python."""

    def __init__(self, name: str):
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"{self.__name__} runs inside NKI kernels only; call the kernel (it runs on "
            "KLR's simulator) instead of calling this directly"
        )

    def __repr__(self) -> str:
        return f"<{self.__name__} (KLR stand-in)>"


class _Namespace(ModuleType):
    """A module whose unknown attributes are kernel-only placeholders."""

    __klr_standin__ = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        from klr.compat import _PROVIDED

        if f"{self.__name__}.{name}" in _PROVIDED:  # `from neuronxcc import nki`
            import importlib

            return importlib.import_module(f"{self.__name__}.{name}")
        return _OnlyInKernels(f"{self.__name__}.{name}")


class SpmdDim:
    """A launch-grid dimension of the first generation distributed over physical cores:
    `nl.nc(k)`, `nl.spmd_dim(nl.nc(2), 2)`, `nl.nc(2) * 2`, `2 * nl.nc(2)` (nki.md §6).
    KLR runs every program instance in turn, so only the total size matters: the
    instances and their `program_id`s are those of a plain dimension of that size."""

    def __init__(self, size: int, cores: int):
        self.size, self.cores = int(size), int(cores)

    def __index__(self) -> int:
        return self.size

    __int__ = __index__

    def __mul__(self, other: Any) -> SpmdDim:
        return spmd_dim(self, other)

    def __rmul__(self, other: Any) -> SpmdDim:
        return spmd_dim(other, self)

    def __repr__(self) -> str:
        return f"<grid dim {self.size} over {self.cores} core(s)>"


def nc(k: int) -> SpmdDim:
    """`nl.nc(k)`: a grid dimension of k instances, one per physical core."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"nl.nc takes a positive int, got {k!r}")
    return SpmdDim(k, k)


def spmd_dim(*dims: Any) -> SpmdDim:
    """`nl.spmd_dim(a, b, ...)`: one grid dimension of size prod(dims)."""
    size, cores = 1, 1
    for d in dims:
        size *= int(d)
        cores *= d.cores if isinstance(d, SpmdDim) else 1
    return SpmdDim(size, cores)


class NKIObject:
    """Base class of kernel-side data classes (`nl.NKIObject`)."""


class _TileSize:
    def __init__(self) -> None:
        from klr.targets import DEFAULT_TARGET, get_target

        for key, value in get_target(DEFAULT_TARGET).tile_size.items():
            setattr(self, key, value)


def simulate_kernel(kernel: Any, *args: Any, **kwargs: Any) -> Any:
    """The first generation's `nki.simulate_kernel(kernel[grid], *args)`."""
    return simulate(kernel)(*args, **kwargs)


def simulator_simulate_kernel(func: Any, args: Any = (), kwargs: Any = None, lnc: int = 1) -> Any:
    """`nki.simulator.simulate_kernel(func, args, kwargs, lnc)`: the current generation's
    internal entry; an LNC degree of 2 runs the kernel as two program instances."""
    kernel = func if isinstance(func, Kernel) else Kernel(getattr(func, "fn", func))
    if lnc not in (1, 2):
        raise ValueError(f"lnc must be 1 or 2, got {lnc!r}")
    if lnc == 2:
        kernel = kernel[2]
    return simulate(kernel)(*tuple(args), **(kwargs or {}))


def make(name: str) -> ModuleType:
    mod = _Namespace(name)
    if name in ("nki", "neuronxcc", "neuronxcc.nki"):
        mod.__path__ = []  # a package, so `import nki.language` works
    if name == "nki.simulator":
        mod.simulate_kernel = simulator_simulate_kernel  # type: ignore[attr-defined]
    if name in ("nki", "neuronxcc.nki"):
        mod.jit = jit  # type: ignore[attr-defined]
        mod.simulate = simulate  # type: ignore[attr-defined]
        mod.Kernel = Kernel  # type: ignore[attr-defined]
    if name == "neuronxcc.nki":
        for deco in ("trace", "baremetal", "benchmark", "profile"):
            setattr(mod, deco, jit)
        mod.simulate_kernel = simulate_kernel  # type: ignore[attr-defined]
    if name in ("nki.language", "neuronxcc.nki.language"):
        for d in Dtype:
            setattr(mod, d.value, d.value)
        for buf in ("sbuf", "psum", "hbm", "private_hbm", "shared_hbm"):
            setattr(mod, buf, buf)
        for op in [*AluOp, *ActFunc]:
            setattr(mod, op.value, _OnlyInKernels(f"{name}.{op.value}"))
        mod.NKIObject = NKIObject  # type: ignore[attr-defined]
        mod.tile_size = _TileSize()  # type: ignore[attr-defined]
    if name == "neuronxcc.nki.language":
        mod.nc = nc  # type: ignore[attr-defined]
        mod.spmd_dim = spmd_dim  # type: ignore[attr-defined]
    return mod
