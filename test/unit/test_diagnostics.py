"""Rendering of diagnostics: location, source line, caret, hint, JSON."""

from __future__ import annotations

import io
import json

from klr.diagnostics import Diagnostic, Location, Severity, SourceCache, emit


def test_render_with_caret_and_hint() -> None:
    src = SourceCache({"k.py": "def f(x):\n    return x +* 1\n"})
    d = Diagnostic(
        "err_syntax", "invalid syntax", Location("k.py", 2, 16, 2, 17), hint="fix it"
    )
    assert d.render(src) == (
        "k.py:2:16: error[err_syntax]: invalid syntax\n"
        "    2 |     return x +* 1\n"
        "      |                ^\n"
        "  hint: fix it"
    )


def test_caret_spans_the_range_and_keeps_tabs() -> None:
    src = SourceCache({"k.py": "\tvalue = nope\n"})
    d = Diagnostic("warn_x", "m", Location("k.py", 1, 10, 1, 14), Severity.WARNING)
    lines = d.render(src).splitlines()
    assert lines[0] == "k.py:1:10: warning[warn_x]: m"
    assert lines[2] == "      | \t        ^~~~"


def test_python_byte_columns_become_character_columns() -> None:
    source = "x = 'é☃' + y\n"
    # ast reports y at byte offset 14 (é is 2 bytes, ☃ is 3)
    loc = Location.from_python("k.py", 1, 14, 1, 15, source)
    assert (loc.col, loc.end_col) == (12, 13)  # 1-based: y is the 12th character


def test_notes_render_as_a_chain() -> None:
    src = SourceCache({"a.py": "call()\n", "b.py": "boom\n"})
    d = Diagnostic(
        "err_x",
        "failed",
        Location("b.py", 1, 1, 1, 5),
        notes=[Diagnostic("note", "called from here", Location("a.py", 1, 1), Severity.NOTE)],
    )
    text = d.render(src)
    assert "  a.py:1:1: note: called from here" in text
    assert "      1 | call()" in text


def test_missing_file_renders_without_snippet() -> None:
    d = Diagnostic("err_x", "gone", Location("/nonexistent/file.py", 3, 1))
    assert d.render() == "/nonexistent/file.py:3:1: error[err_x]: gone"


def test_json_output() -> None:
    out = io.StringIO()
    emit([Diagnostic("err_x", "msg", Location("f.py", 1, 2), hint="h")], out, as_json=True)
    data = json.loads(out.getvalue())
    assert data["diagnostics"][0] == {
        "code": "err_x",
        "severity": "error",
        "message": "msg",
        "file": "f.py",
        "line": 1,
        "col": 2,
        "end_line": None,
        "end_col": None,
        "hint": "h",
        "notes": [],
    }
