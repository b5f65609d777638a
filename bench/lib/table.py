"""Plain-text tables for the terminal."""
from __future__ import annotations


class Table:
    def __init__(self, title: str, columns: list[str], note: str = ""):
        self.title, self.columns, self.note = title, columns, note
        self.rows: list[list[str]] = []

    def add(self, *cells: object) -> None:
        self.rows.append([_cell(c) for c in cells])

    def render(self) -> str:
        widths = [max(len(r[i]) for r in [self.columns] + self.rows) for i in range(len(self.columns))]
        numeric = [all(_numeric(r[i]) for r in self.rows) and bool(self.rows) for i in range(len(self.columns))]

        def line(cells: list[str]) -> str:
            return "  ".join(c.rjust(w) if num else c.ljust(w)
                             for c, w, num in zip(cells, widths, numeric)).rstrip()

        out = [self.title, line(self.columns), line(["-" * w for w in widths])]
        out += [line(r) for r in self.rows]
        if self.note:
            out.append(self.note)
        return "\n".join(out)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _numeric(text: str) -> bool:
    """Numbers, ranges ("1.2–3.4"), ratios ("1.05×") and "-" are right-aligned."""
    try:
        [float(part) for part in text.rstrip("×").split("–") if part != "-"]
    except ValueError:
        return False
    return True


def spread(summary: dict) -> str:
    return f"{summary['p10_ms']:.2f}–{summary['p90_ms']:.2f}"
