"""The `klr` and `klr-opt` command lines, in process and as installed scripts."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from klr.tools.klr_cli import main
from klr.tools.klr_opt import KlrOptMain
from support import EXAMPLES, ROOT


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_gather_prints_ir() -> None:
    code, out, err = run("gather", str(EXAMPLES / "softmax.py"), "softmax_kernel")
    assert code == 0 and err == ""
    assert 'py_ast.program entry "softmax" "softmax_kernel"' in out


def test_gather_writes_output_file(tmp_path: Path) -> None:
    target = tmp_path / "k.klr"
    code, out, _ = run("gather", str(EXAMPLES / "softmax.py"), "softmax_kernel", "-o", str(target))
    assert code == 0 and out == ""
    assert target.read_text().startswith("builtin.module {")


def test_gather_without_locations() -> None:
    code, out, _ = run("gather", str(EXAMPLES / "softmax.py"), "softmax_kernel", "--no-locations")
    assert code == 0 and " at " not in out.replace('"at"', "")


@pytest.mark.parametrize(
    "argv,code_name",
    [
        (["gather", "missing.py", "k"], "err_file_not_found"),
        (["gather", str(EXAMPLES / "softmax.py"), "nope"], "err_missing_function"),
        (["gather"], "err_usage"),
        (["frobnicate"], "err_usage"),
        (["gather", str(EXAMPLES / "softmax.py"), "softmax_kernel", "-o", "/nonexistent/dir/x"], "err_cannot_write"),
        (["info", str(ROOT / "README.md")], "err_bad_ir"),
    ],
)
def test_bad_input_is_a_diagnostic(argv: list[str], code_name: str) -> None:
    code, _, err = run(*argv)
    assert code == 1
    assert f"[{code_name}]" in err
    assert "Traceback" not in err


def test_json_diagnostics() -> None:
    code, _, err = run("--json", "gather", "missing.py", "k")
    assert code == 1
    assert json.loads(err)["diagnostics"][0]["code"] == "err_file_not_found"


def test_info_of_python_file() -> None:
    code, out, _ = run("info", str(EXAMPLES / "layernorm.py"), "layernorm_kernel", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["entry"] == "layernorm.layernorm_kernel"
    assert data["modules"][0]["functions"] == ["broadcast_to_partitions", "layernorm_kernel"]


def test_klr_opt_reads_python_in_process(tmp_path: Path) -> None:
    src = tmp_path / "k.py"
    src.write_text("x = [i for i in y]\n")
    buf = io.StringIO()
    with redirect_stdout(buf):
        KlrOptMain(args=[str(src), "-p", "strip-py-ast-locations"]).run()
    assert "py_ast.list_comp %" in buf.getvalue()
    assert " at 1:" not in buf.getvalue()


def test_stock_xdsl_opt_sees_klr_through_the_universe_entry_point(tmp_path: Path) -> None:
    f = tmp_path / "m.mlir"
    f.write_text('py_ast.module "m" {\n  py_ast.pass at 1:0-1:4\n}\n')
    done = subprocess.run(
        [str(Path(sys.executable).parent / "xdsl-opt"), str(f), "-p", "strip-py-ast-locations"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "py_ast.pass\n" in done.stdout


def test_installed_scripts_run() -> None:
    bindir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bindir / "klr"), "gather", str(EXAMPLES / "tensor_add.py"), "tensor_add_kernel"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "py_ast.function_def \"tensor_add_kernel\"" in done.stdout
