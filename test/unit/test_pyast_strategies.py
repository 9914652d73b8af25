"""Self-check of the random-program strategy in ``pyast_strategies``.

Every generated module must compile (with warnings as errors), survive
unparse/parse unchanged, and be exactly the tree the parser produces for its
own source, so round-trip tests can compare against it directly.
"""

from __future__ import annotations

import ast
import warnings

from hypothesis import given, note, settings

from pyast_strategies import python_modules


def check_module(module: ast.Module) -> str:
    """Assert ``module`` is valid, canonical and round-trips; return its source."""
    src = ast.unparse(ast.fix_missing_locations(module))
    note(src)  # the falsifying example otherwise only shows <ast.Module object>
    with warnings.catch_warnings():
        # SyntaxWarnings (`x is 1`, `1(2)`) would be errors under `-W error`.
        warnings.simplefilter("error")
        try:
            compile(src, "<gen>", "exec")
            compile(module, "<gen>", "exec")
        except SyntaxError as err:
            raise AssertionError(f"{err!r}\n{src}") from err
    parsed = ast.parse(src)
    # unparse/parse is a fixed point on the parsed tree ...
    assert ast.dump(parsed) == ast.dump(ast.parse(ast.unparse(parsed))), src
    # ... and the generator only emits trees the parser itself would produce.
    assert ast.dump(module) == ast.dump(parsed), src
    return src


@settings(max_examples=200, deadline=None)
@given(python_modules())
def test_generated_programs_compile_and_roundtrip(module: ast.Module) -> None:
    check_module(module)
