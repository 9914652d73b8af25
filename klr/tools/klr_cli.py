"""`klr`: the user-facing command line.

    klr gather FILE FUNC [-o OUT]    gather a kernel and what it reaches into py_ast IR
    klr trace FILE [FUNC] --arg NAME=dtype[shape] ... [--grid G] [--target T]
                                     specialize a kernel into klr IR
    klr info FILE [FUNC]             summarize a gathered file (or gather a .py first)

Every user error is printed as a diagnostic (`--json` for machines) and exits 1;
a Python traceback from this tool is always a bug in klr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from klr.diagnostics import Diagnostic, KlrError, Location, Severity, SourceCache, emit


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors as diagnostics."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise KlrError(
            Diagnostic("err_usage", message, hint=f"see '{self.prog} --help'")
        )


def _parser() -> argparse.ArgumentParser:
    ap = _ArgumentParser(
        prog="klr",
        description="KLR: compile, check and run NKI kernels without Trainium hardware.",
    )
    ap.add_argument("--json", action="store_true", help="print diagnostics as JSON")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)

    g = sub.add_parser("gather", help="gather a kernel and everything it reaches (py_ast IR)")
    g.add_argument("file", help="Python file defining the kernel")
    g.add_argument("function", help="name of the kernel function")
    g.add_argument("-o", "--output", help="write the IR here instead of stdout")
    g.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)
    g.add_argument(
        "--no-locations", action="store_true", help="omit source locations from the IR"
    )

    t = sub.add_parser("trace", help="specialize a kernel for its arguments (klr IR)")
    t.add_argument("file", help="a kernel's .py file, or a gathered .klr file")
    t.add_argument("function", nargs="?", help="kernel function (for a .py file)")
    t.add_argument(
        "--arg", "-a", action="append", default=[], metavar="NAME=VALUE",
        help="a tensor argument as NAME=dtype[shape] (e.g. a=bfloat16[128,512]) or a "
        "compile-time constant as NAME=python-literal; repeat for each argument",
    )
    t.add_argument("--grid", help="SPMD launch grid, e.g. 2 or 2,2")
    t.add_argument("--target", help="gen2 (trn1), gen3 (trn2, default) or gen4 (trn3)")
    t.add_argument("-o", "--output", help="write the IR here instead of stdout")
    t.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)

    c = sub.add_parser("check", help="trace a kernel and check it: NKI rules, affine_range independence")
    c.add_argument("file", help="a kernel's .py file, or a gathered .klr file")
    c.add_argument("function", nargs="?", help="kernel function (for a .py file)")
    c.add_argument("--arg", "-a", action="append", default=[], metavar="NAME=VALUE",
                   help="as for 'klr trace'")
    c.add_argument("--grid", help="SPMD launch grid, e.g. 2 or 2,2")
    c.add_argument("--target", help="gen2 (trn1), gen3 (trn2, default) or gen4 (trn3)")
    c.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)

    r = sub.add_parser("run", help="trace a kernel and run it on KLR's simulator")
    r.add_argument("file", help="a kernel's .py file")
    r.add_argument("function", nargs="?", help="kernel function (default: the module's KERNEL)")
    r.add_argument("--arg", "-a", action="append", default=[], metavar="NAME=VALUE",
                   help="as for 'klr trace'; tensors get random inputs (see --seed)")
    r.add_argument("--input", "-i", action="append", default=[], metavar="NAME=FILE.npy",
                   help="take a tensor argument from a .npy file")
    r.add_argument("--random", action="append", default=[], metavar="NAME=dtype[shape]",
                   help="a tensor argument filled with seeded standard-normal values")
    r.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="a compile-time constant (a Python literal)")
    r.add_argument("--fp32", action="store_true", help="same as --mode fp32")
    r.add_argument("-o", "--output-dir", metavar="DIR",
                   help="write each output as DIR/<name>.npy")
    r.add_argument("--expect", action="append", default=[], metavar="NAME=REF.npy",
                   help="compare output NAME (its tensor name, or its index) with a .npy file; "
                   "exit 1 on the first mismatch")
    r.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance of --expect")
    r.add_argument("--atol", type=float, default=1e-6, help="absolute tolerance of --expect")
    r.add_argument("--example", action="store_true",
                   help="use the module's example_inputs(rng) (imports the module)")
    r.add_argument("--check", action="store_true",
                   help="compare with the module's NumPy reference(...) (imports the module)")
    r.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    r.add_argument("--mode", choices=["precise", "fp32"], default="precise",
                   help="precise: tensors in their real dtypes; fp32: floats kept in float32")
    r.add_argument("--grid", help="SPMD launch grid, e.g. 2 or 2,2")
    r.add_argument("--target", help="gen2 (trn1), gen3 (trn2, default) or gen4 (trn3)")
    r.add_argument("--save", metavar="OUT.npz", help="save the outputs")
    r.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)

    i = sub.add_parser("info", help="summarize a gathered file")
    i.add_argument("file", help="a gathered .klr file (or a .py file with FUNC)")
    i.add_argument("function", nargs="?", help="kernel function, when FILE is a .py file")
    i.add_argument("--json", action="store_true", dest="json_sub", help=argparse.SUPPRESS)
    return ap


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise KlrError(
            Diagnostic(
                "err_cannot_write",
                f"cannot write '{output}': {e.strerror or e}",
                Location(output),
                hint="check that the directory exists and is writable",
            )
        ) from None


def cmd_gather(args: argparse.Namespace, err: TextIO, as_json: bool) -> int:
    from klr.frontend.gather import gather

    result = gather(args.file, args.function)
    if args.no_locations:
        from klr.context import make_context
        from klr.passes.strip_py_ast_locations import StripPyAstLocationsPass

        StripPyAstLocationsPass().apply(make_context(), result.module)
    from klr.printing import print_ir

    _write(print_ir(result.module), args.output)
    if result.warnings:
        emit(result.warnings, err, as_json, SourceCache(result.sources))
    return 0


def _load_gathered(path: str) -> Any:
    from xdsl.utils.exceptions import ParseError

    from klr.context import make_context
    from klr.frontend.modules import read_source
    from klr.printing import parse_ir

    text = read_source(path, path)
    try:
        module = parse_ir(make_context(), text, path)
        module.verify()
    except ParseError as e:
        raise KlrError(
            Diagnostic(
                "err_bad_ir",
                f"'{path}' is not a gathered klr file: {e.msg if hasattr(e, 'msg') else e}",
                Location(path),
                hint="create one with 'klr gather FILE FUNC -o OUT.klr'",
            )
        ) from None
    except Exception as e:  # verifier failures
        raise KlrError(
            Diagnostic(
                "err_bad_ir",
                f"'{path}' does not verify: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
                Location(path),
                hint="create one with 'klr gather FILE FUNC -o OUT.klr'",
            )
        ) from None
    return module


def _program(args: argparse.Namespace, usage: str) -> tuple[Any, list[Diagnostic], dict[str, str]]:
    """The gathered program a command works on: gather FILE.py FUNC, or read a .klr file.

    Returns the module, gather's warnings and the sources it read.
    """
    if not args.file.endswith(".py"):
        return _load_gathered(args.file), [], {}
    if args.function is None:
        raise KlrError(
            Diagnostic(
                "err_usage",
                "a .py file needs the kernel function name",
                Location(args.file),
                hint=usage,
            )
        )
    from klr.frontend.gather import gather

    gathered = gather(args.file, args.function)
    return gathered.module, gathered.warnings, gathered.sources


def cmd_info(args: argparse.Namespace, out: TextIO, err: TextIO, as_json: bool) -> int:
    from klr.frontend.info import summarize

    module, _, _ = _program(args, "klr info FILE.py FUNC, or gather first: klr gather FILE FUNC -o F.klr")
    summary = summarize(module)
    if as_json:
        json.dump(summary.to_dict(), out, indent=2)
        out.write("\n")
    else:
        out.write(summary.render())
    return 0


def cmd_trace(args: argparse.Namespace, err: TextIO, as_json: bool) -> int:
    from klr.printing import print_ir
    from klr.tracer import parse_arg, trace_program

    values: dict[str, object] = {}
    for text in args.arg:
        try:
            name, value = parse_arg(text)
        except ValueError as e:
            raise KlrError(
                Diagnostic("err_usage", f"--arg {text}: {e}", hint="e.g. --arg a=bfloat16[128,512]")
            ) from None
        values[name] = value
    grid: tuple[int, ...] = ()
    if args.grid:
        try:
            grid = tuple(int(g) for g in args.grid.replace("x", ",").split(",") if g.strip())
        except ValueError:
            raise KlrError(
                Diagnostic("err_usage", f"--grid {args.grid}: expected integers like 2 or 2,2")
            ) from None
    module, warnings, sources = _program(args, "klr trace FILE.py FUNC --arg NAME=dtype[shape] ...")
    result = trace_program(module, values, grid, args.target)
    result.module.verify()
    _write(print_ir(result.module), args.output)
    warnings = [*warnings, *result.warnings]
    if warnings:
        emit(warnings, err, as_json, SourceCache(sources))
    for message in result.messages:
        err.write(message)
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO, as_json: bool) -> int:
    from klr.analysis.affine_conflicts import check_module, diagnostics
    from klr.dialects import klr as k
    from klr.tracer import parse_arg, trace_program

    values: dict[str, object] = {}
    for text in args.arg:
        try:
            name, value = parse_arg(text)
        except ValueError as e:
            raise KlrError(Diagnostic("err_usage", f"--arg {text}: {e}")) from None
        values[name] = value
    grid: tuple[int, ...] = ()
    if args.grid:
        try:
            grid = tuple(int(g) for g in args.grid.replace("x", ",").split(",") if g.strip())
        except ValueError:
            raise KlrError(Diagnostic("err_usage", f"--grid {args.grid}: expected integers")) from None
    module, warnings, sources = _program(args, "klr check FILE.py FUNC --arg NAME=dtype[shape] ...")
    result = trace_program(module, values, grid, args.target)
    result.module.verify()
    conflicts, skipped = check_module(result.module)
    loops = sum(
        1 for op in result.module.walk()
        if isinstance(op, k.ForOp) and op.kind.data == k.LoopKind.AFFINE and op.trip_count > 1
    )
    diags = [*warnings, *diagnostics(conflicts)]
    for a in skipped:
        diags.append(
            Diagnostic(
                "warn_check_skipped",
                f"an access of {a.op.name} is too large to check exhaustively",
                severity=Severity.WARNING,
            )
        )
    if diags:
        emit(diags, err, as_json, SourceCache(sources))
    if not as_json:
        status = "ok" if not conflicts else f"{len(conflicts)} conflict(s)"
        out.write(
            f"{len(result.kernels)} kernel(s) verified against {result.kernels[0].target.data} "
            f"rules; {loops} affine loop(s) checked over all iterations: {status}\n"
        )
    return 1 if conflicts else 0


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO, as_json: bool) -> int:
    from klr.tools.run_command import run_command

    return run_command(args, out, err, as_json)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        args = _parser().parse_args(argv)
        as_json = bool(args.json or getattr(args, "json_sub", False))
        if args.command is None:
            _parser().print_help(out)
            return 2
        saved = sys.stdout
        sys.stdout = out
        try:
            if args.command == "gather":
                return cmd_gather(args, err, as_json)
            if args.command == "check":
                return cmd_check(args, out, err, as_json)
            if args.command == "run":
                return cmd_run(args, out, err, as_json)
            if args.command == "trace":
                return cmd_trace(args, err, as_json)
            if args.command == "info":
                return cmd_info(args, out, err, as_json)
        finally:
            sys.stdout = saved
        return 2
    except KlrError as e:
        emit(e.diagnostics, err, as_json)
        return 1
    except KeyboardInterrupt:
        return 130


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()

