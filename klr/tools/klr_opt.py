"""`klr-opt`: the xDSL opt driver with every klr dialect, pass and frontend.

`klr-opt file.mlir -p pass1,pass2` parses, runs passes, verifies and prints;
`klr-opt kernel.py` reads Python source straight into `py_ast`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from klr.diagnostics import KlrError, emit

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
            from klr.frontend.modules import parse_source
            from klr.frontend.to_py_ast import module_to_py_ast

            source = io.read()
            if isinstance(source, bytes):
                source = source.decode("utf-8")
            name = str(getattr(io, "name", "<stdin>"))
            return ModuleOp([module_to_py_ast(parse_source(source, name), "__main__", name)])

        self.available_frontends["py"] = parse_python
        # gathered programs (`klr gather -o x.klr`) are ordinary textual IR
        self.available_frontends["klr"] = self.available_frontends["mlir"]

    def run(self) -> None:
        """Run, reporting user errors as diagnostics (exit 1) instead of tracebacks."""
        try:
            super().run()
        except KlrError as e:
            emit(e.diagnostics, sys.stderr)
            sys.exit(1)
        except ParseError as e:
            print(str(e), file=sys.stderr)
            sys.exit(1)
        except DiagnosticException as e:
            print(str(e), file=sys.stderr)
            for note in getattr(e, "__notes__", []):
                print(note, file=sys.stderr)
            sys.exit(1)


def main() -> None:
    KlrOptMain().run()


if __name__ == "__main__":
    main()
