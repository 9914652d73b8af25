"""The passes KLR defines, as lazy factories (importing this module is cheap)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name -> factory returning the pass class."""

    def get_strip_py_ast_locations() -> type[ModulePass]:
        from klr.passes.strip_py_ast_locations import StripPyAstLocationsPass

        return StripPyAstLocationsPass

    def get_convert_py_ast_to_klr() -> type[ModulePass]:
        from klr.passes.convert_py_ast_to_klr import ConvertPyAstToKlrPass

        return ConvertPyAstToKlrPass

    def get_check_affine_loops() -> type[ModulePass]:
        from klr.passes.check_affine_loops import CheckAffineLoopsPass

        return CheckAffineLoopsPass

    return {
        "check-affine-loops": get_check_affine_loops,
        "convert-py-ast-to-klr": get_convert_py_ast_to_klr,
        "strip-py-ast-locations": get_strip_py_ast_locations,
    }
