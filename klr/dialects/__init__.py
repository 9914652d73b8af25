"""The dialects KLR defines, as lazy factories (importing this module is cheap)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    """Dialect name -> factory; nothing is imported until a factory is called."""

    def get_py_ast() -> Dialect:
        from klr.dialects.py_ast import PyAst

        return PyAst

    def get_klr() -> Dialect:
        from klr.dialects.klr import Klr

        return Klr

    return {"py_ast": get_py_ast, "klr": get_klr}
