"""`nki.typing` (and the first generation's `neuronxcc.nki.typing`): `nt.tensor[128, 512]`
parameter annotations declare the shapes (and optionally the dtype) a kernel expects
(nki.md §2.2); the tracer checks each tensor argument against its annotation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from klr.dialects import klr as k
from klr.tracer.values import DtypeValue, Namespace, NotSupported, TensorView, is_int


@dataclass(frozen=True)
class TensorAnnotation:
    """`nt.tensor[d0, d1, ...]` (a dim `None` or `...` matches any size), optionally with
    an NKI dtype among the items."""

    dims: tuple[int | None, ...]
    dtype: k.Dtype | None = None

    def __str__(self) -> str:
        items = ["..." if d is None else str(d) for d in self.dims]
        if self.dtype is not None:
            items.append(f"nl.{self.dtype.value}")
        return f"nt.tensor[{', '.join(items)}]"

    def mismatch(self, value: Any) -> str | None:
        """Why `value` does not match, or None."""
        if not isinstance(value, TensorView):
            return f"it is annotated {self} but the argument is not a tensor"
        shape = value.shape
        if len(shape) != len(self.dims) or any(d is not None and d != n for d, n in zip(self.dims, shape)):
            return f"it is annotated {self} but the argument has shape {tuple(shape)}"
        if self.dtype is not None and self.dtype != value.dtype:
            return f"it is annotated {self} but the argument is {value.dtype.value}"
        return None


class _TensorFactory:
    """`nt.tensor`: subscripted with the expected dims."""

    def __getitem__(self, key: Any) -> TensorAnnotation:
        items = list(key) if isinstance(key, tuple) else [key]
        if len(items) == 1 and isinstance(items[0], (list, tuple)):
            items = list(items[0])
        dims: list[int | None] = []
        dtype = None
        for item in items:
            if isinstance(item, DtypeValue):
                dtype = item.dtype
            elif item is None or item is Ellipsis:
                dims.append(None)
            elif is_int(item) and item >= 0:
                dims.append(int(item))
            else:
                raise TypeError(f"nt.tensor[...] takes sizes (ints, None or ...) and a dtype, got {item!r}")
        return TensorAnnotation(tuple(dims), dtype)

    def __repr__(self) -> str:
        return "<nki.typing.tensor>"


def typing_namespace(name: str) -> Namespace:
    return Namespace(name, {
        "tensor": _TensorFactory(),
        "scalar": NotSupported(f"{name}.scalar"),
        "mutable": NotSupported(f"{name}.mutable"),
    })
