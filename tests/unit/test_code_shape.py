"""The shape the code keeps (STYLE.md): small functions and classes, and no module reaching
into another's private names. Migrations are exempt (they are written once, as history)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "vostro"
FUNCTION_LINES_MAX = 60
CLASS_LINES_MAX = 300
# Private by convention in their own library, public in use: lxml's element type and the
# named-tuple API (`_make`, `_asdict`, `_mapping` of SQLAlchemy rows).
FOREIGN_PRIVATE_OK = {"_Element", "_make", "_asdict", "_mapping", "_fields", "_replace"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text()))
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _size(node: ast.AST) -> int:
    return int(getattr(node, "end_lineno", 0)) - int(getattr(node, "lineno", 0)) + 1


def test_no_function_is_over_sixty_lines_and_no_class_over_three_hundred() -> None:
    too_long = [
        f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({_size(node)} lines)"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and _size(node) > FUNCTION_LINES_MAX
        )
        or (isinstance(node, ast.ClassDef) and _size(node) > CLASS_LINES_MAX)
    ]
    assert too_long == []


def test_no_module_uses_another_modules_private_names() -> None:
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                found += [
                    f"{path.relative_to(SRC)}:{node.lineno} imports {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
            elif isinstance(node, ast.Attribute) and _foreign_private(node):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} uses {ast.unparse(node)}")
    assert found == []


def _foreign_private(node: ast.Attribute) -> bool:
    name = node.attr
    if not name.startswith("_") or name.startswith("__") or name in FOREIGN_PRIVATE_OK:
        return False
    return not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
