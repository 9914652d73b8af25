"""User-facing diagnostics: stable codes, `file:line:col`, the source line with a caret.

Every stage raises `KlrError` (or reports warnings to a `DiagnosticSink`) with
`Diagnostic`s; the CLI renders them as text or JSON. Nothing user-facing should ever
surface as a Python traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TextIO


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Location:
    """A source position: 1-based line; 1-based column counted in characters."""

    file: str | None
    line: int | None = None
    col: int | None = None
    end_line: int | None = None
    end_col: int | None = None

    @staticmethod
    def from_python(
        file: str | None,
        line: int | None,
        col_offset: int | None,
        end_line: int | None = None,
        end_col_offset: int | None = None,
        source: str | None = None,
    ) -> Location:
        """A location from `ast` numbering (0-based UTF-8 byte columns)."""
        lines = source.splitlines() if source is not None else None

        def char_col(ln: int | None, byte_col: int | None) -> int | None:
            if ln is None or byte_col is None:
                return None
            if lines is not None and 0 < ln <= len(lines):
                text = lines[ln - 1].encode("utf-8")[:byte_col]
                return len(text.decode("utf-8", errors="replace")) + 1
            return byte_col + 1

        return Location(
            file, line, char_col(line, col_offset), end_line, char_col(end_line, end_col_offset)
        )

    def __str__(self) -> str:
        parts = [self.file or "<unknown>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


@dataclass
class Diagnostic:
    """One message. `code` is stable (tests and users match on it)."""

    code: str
    message: str
    location: Location | None = None
    severity: Severity = Severity.ERROR
    hint: str | None = None
    notes: list[Diagnostic] = field(default_factory=list)
    """Context, innermost first: e.g. the chain of inlined calls."""

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "col": loc.col if loc else None,
            "end_line": loc.end_line if loc else None,
            "end_col": loc.end_col if loc else None,
            "hint": self.hint,
            "notes": [n.to_dict() for n in self.notes],
        }

    def render(self, sources: SourceCache | None = None) -> str:
        sources = sources if sources is not None else SourceCache()
        out: list[str] = []
        where = f"{self.location}: " if self.location is not None else ""
        out.append(f"{where}{self.severity.value}[{self.code}]: {self.message}")
        out.extend(_snippet(self.location, sources))
        for note in self.notes:
            nwhere = f"{note.location}: " if note.location is not None else ""
            out.append(f"  {nwhere}{note.severity.value}: {note.message}")
            out.extend("  " + s for s in _snippet(note.location, sources))
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


def _snippet(loc: Location | None, sources: SourceCache) -> list[str]:
    if loc is None or loc.file is None or loc.line is None:
        return []
    text = sources.line(loc.file, loc.line)
    if text is None:
        return []
    gutter = f"{loc.line:>5} | "
    lines = [gutter + text.rstrip("\n")]
    if loc.col is not None:
        start = max(loc.col - 1, 0)
        if loc.end_line == loc.line and loc.end_col is not None and loc.end_col > loc.col:
            width = loc.end_col - loc.col
        else:
            width = 1
        # keep tabs so the caret lines up under tab-indented source
        pad = "".join(c if c == "\t" else " " for c in text[:start])
        lines.append(" " * 5 + " | " + pad + "^" + "~" * (width - 1))
    return lines


class SourceCache:
    """Reads source files once, for snippets; tolerates unreadable files."""

    def __init__(self, preload: dict[str, str] | None = None) -> None:
        self._lines: dict[str, list[str] | None] = {}
        for path, text in (preload or {}).items():
            self._lines[path] = text.splitlines()

    def add(self, path: str, text: str) -> None:
        self._lines[path] = text.splitlines()

    def line(self, path: str, line: int) -> str | None:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    self._lines[path] = f.read().splitlines()
            except OSError:
                self._lines[path] = None
        lines = self._lines[path]
        if lines is None or not 0 < line <= len(lines):
            return None
        return lines[line - 1]


class KlrError(Exception):
    """A user error: carries the diagnostics to show. Never a bug in klr."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]):
        diags = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        super().__init__("; ".join(f"[{d.code}] {d.message}" for d in diags))
        self.diagnostics = diags

    @property
    def code(self) -> str:
        return self.diagnostics[0].code


class DiagnosticSink:
    """Collects warnings and notes while a stage runs."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def warn(
        self,
        code: str,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
    ) -> None:
        self.diagnostics.append(Diagnostic(code, message, location, Severity.WARNING, hint))

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.diagnostics)

    def __len__(self) -> int:
        return len(self.diagnostics)


def emit(
    diagnostics: Iterable[Diagnostic],
    stream: TextIO,
    as_json: bool = False,
    sources: SourceCache | None = None,
) -> None:
    """Write diagnostics to `stream`, as text blocks or one JSON document."""
    diags = list(diagnostics)
    if as_json:
        json.dump({"diagnostics": [d.to_dict() for d in diags]}, stream, indent=2)
        stream.write("\n")
        return
    sources = sources if sources is not None else SourceCache()
    for d in diags:
        stream.write(d.render(sources) + "\n")
