"""`klr-opt`: the xDSL opt driver with every klr dialect, pass and frontend.

`klr-opt file.mlir -p pass1,pass2` parses, runs passes, verifies and prints;
`klr-opt kernel.py` reads Python source straight into `py_ast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.xdsl_opt_main import xDSLOptMain

from klr.dialects import get_all_dialects
from klr.passes import get_all_passes


class KlrOptMain(xDSLOptMain):
    """xDSLOptMain plus klr's registries and a `.py` frontend."""

    version_format = "klr-opt built on xdsl {xdsl_version}"

    def __init__(self, args: Sequence[str] | None = None):
        super().__init__(description="KLR modular optimizer driver", args=args)

    def register_all_dialects(self) -> None:
        super().register_all_dialects()
        for name, factory in get_all_dialects().items():
            if name not in self.ctx.registered_dialect_names:
                self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        super().register_all_passes()
        for name, factory in get_all_passes().items():
            self.register_pass(name, factory)

    def register_all_frontends(self) -> None:
        super().register_all_frontends()

        def parse_python(io: IO[str]) -> ModuleOp:
            from klr.frontend.to_py_ast import source_to_py_ast

            source = io.read()
            if isinstance(source, bytes):
                source = source.decode("utf-8")
            name = getattr(io, "name", "<stdin>")
            return ModuleOp([source_to_py_ast(source, "__main__", str(name))])

        self.available_frontends["py"] = parse_python


def main() -> None:
    KlrOptMain().run()


if __name__ == "__main__":
    main()
