"""The library a kernel sees: Python builtins, `math`, `enum`, `nki` and its modules."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from klr.tracer.isa import isa
from klr.tracer.language import jit, language
from klr.tracer.values import Builtin, Namespace, NotSupported, UserClass

if TYPE_CHECKING:
    from klr.targets import Target
    from klr.tracer.interp import Interpreter


def _math() -> Namespace:
    attrs: dict[str, Any] = {}
    for name in ("ceil", "floor", "sqrt", "log", "log2", "exp", "gcd", "prod", "isqrt",
                 "isclose", "trunc", "fabs", "pow", "copysign", "lcm", "comb", "factorial"):
        attrs[name] = Builtin(f"math.{name}", getattr(math, name))
    for name in ("pi", "e", "inf", "nan", "tau"):
        attrs[name] = getattr(math, name)
    return Namespace("math", attrs)


@dataclass
class _PyBuiltins:
    """Python builtins available in kernels (nki.md §2.1 plus common helpers)."""

    interp: Interpreter

    def table(self) -> dict[str, Any]:
        interp = self.interp

        def container(fn: Callable[..., Any]) -> Callable[..., Any]:
            def make(*args: Any, **kwargs: Any) -> Any:
                return interp.new_container(fn(*args, **kwargs))

            return make

        def isinstance_(obj: Any, cls: Any) -> bool:
            classes = cls if isinstance(cls, tuple) else (cls,)
            for c in classes:
                if isinstance(c, UserClass):
                    from klr.tracer.values import Instance

                    if isinstance(obj, Instance) and _subclass(obj.cls, c):
                        return True
                elif isinstance(c, type):
                    if isinstance(obj, c):
                        return True
                elif isinstance(c, Builtin) and c.name in _TYPE_BUILTINS:
                    if isinstance(obj, _TYPE_BUILTINS[c.name]):
                        return True
            return False

        def print_(*args: Any, sep: str = " ", end: str = "\n") -> None:
            interp.messages.append(sep.join(str(a) for a in args) + end)

        def range_(*args: Any) -> range:
            return range(*args)

        table: dict[str, Any] = {
            "len": builtins.len, "min": builtins.min, "max": builtins.max, "abs": builtins.abs,
            "sum": builtins.sum, "any": builtins.any, "all": builtins.all,
            "sorted": container(builtins.sorted), "divmod": builtins.divmod,
            "round": builtins.round, "enumerate": builtins.enumerate, "zip": builtins.zip,
            "reversed": builtins.reversed, "repr": builtins.repr, "hash": builtins.hash,
            "map": builtins.map, "filter": builtins.filter, "ord": builtins.ord, "chr": builtins.chr,
            "int": builtins.int, "float": builtins.float, "bool": builtins.bool, "str": builtins.str,
            "tuple": builtins.tuple, "list": container(builtins.list),
            "dict": container(builtins.dict), "set": container(builtins.set),
            "frozenset": builtins.frozenset, "slice": builtins.slice, "range": range_,
            "isinstance": isinstance_, "print": print_,
        }
        out: dict[str, Any] = {}
        for name, fn in table.items():
            out[name] = Builtin(name, fn)
        for exc in ("ValueError", "TypeError", "AssertionError", "RuntimeError",
                    "NotImplementedError", "IndexError", "KeyError"):
            out[exc] = Builtin(exc, getattr(builtins, exc))
        return out


_TYPE_BUILTINS: dict[str, type | tuple[type, ...]] = {
    "int": int, "float": float, "bool": bool, "str": str, "tuple": tuple, "list": list,
    "dict": dict, "set": set, "frozenset": frozenset, "slice": slice, "range": range,
}


def _subclass(cls: UserClass, base: UserClass) -> bool:
    if cls is base:
        return True
    return any(isinstance(b, UserClass) and _subclass(b, base) for b in cls.bases)


_OLD_API_HINT = (
    "'neuronxcc.nki' is the first-generation (beta-1) NKI namespace, which KLR does not "
    "trace yet; use 'import nki', 'nki.language as nl', 'nki.isa as nisa'"
)


class Library:
    """Resolves the library rows of a gathered program's import table."""

    def __init__(self, interp: Interpreter, target: Target):
        self.interp = interp
        self.nl = language(target)
        self.nisa = isa(target)
        from klr.tracer.dynamic import install

        install(self.nl.attrs, self.nisa.attrs)  # type: ignore[arg-type]
        self.nki = Namespace(
            "nki",
            {
                "jit": Builtin("nki.jit", jit),
                "language": self.nl,
                "isa": self.nisa,
                "simulate": NotSupported("nki.simulate", "use 'klr run' (a later issue)"),
            },
        )
        from klr.tracer.legacy import namespaces

        self.legacy = namespaces(target, self.nki.attrs["jit"])
        install(self.legacy["neuronxcc.nki.language"].attrs, self.legacy["neuronxcc.nki.isa"].attrs)  # type: ignore[arg-type]
        self.math = _math()
        self.builtins = _PyBuiltins(interp).table()
        self.enum = Namespace(
            "enum",
            {"Enum": Namespace("enum.Enum", {}), "IntEnum": Namespace("enum.IntEnum", {})},
        )

    def module(self, name: str) -> Any:
        if name == "nki":
            return self.nki
        if name in ("nki.language", "nki.lang"):
            return self.nl
        if name == "nki.isa":
            return self.nisa
        if name in ("nki.typing", "neuronxcc.nki.typing"):
            from klr.tracer.annotations import typing_namespace

            if name.startswith("neuronxcc"):
                self.interp.first_generation = True
            return typing_namespace(name)
        if name == "math":
            return self.math
        if name == "enum":
            return self.enum
        if name == "builtins":
            return Namespace("builtins", self.builtins)
        if name == "neuronxcc" or name.startswith("neuronxcc."):
            self.interp.first_generation = True
            return self.legacy.get(name, NotSupported(name, _OLD_API_HINT))
        if name == "numpy":
            from klr.tracer.legacy import numpy_namespace

            return numpy_namespace(self.legacy["neuronxcc.nki.language"])
        return NotSupported(name, f"module '{name}' cannot be used inside a kernel")

    def __call__(self, module: str, member: str | None) -> Any:
        if module == "builtins":
            return self.builtins.get(member) if member is not None else None
        mod = self.module(module)
        if member is None:
            return mod
        if isinstance(mod, Namespace):
            if member in mod.attrs:
                return mod.attrs[member]
            sub = self.module(f"{module}.{member}")
            if not isinstance(sub, NotSupported):
                return sub
            return NotSupported(f"{module}.{member}")
        return mod
