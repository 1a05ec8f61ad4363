"""Reading the package's source for the architecture tests: every module, and what it imports.

Pure ast over the files (no imports, no network), shared by ``test_layers`` and ``test_engine``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "visma_hrm"
MAX_LINES = 400
LONG_ALLOWED = {"visma_hrm.sandbox.data"}
"""The sandbox's data generator: tables of names, places and rules, long by nature."""
DLT_INTERNALS = ("dlt.common", "dlt.extract", "dlt.destinations.impl")


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> tuple[Module, ...]:
    found = tuple(Module(module_name(p), p) for p in sorted(PACKAGE.rglob("*.py")))
    assert len(found) > 20, f"no modules found under {PACKAGE}"
    return found


def imported(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Every module name an import statement anywhere in ``source`` may refer to.

    ``from a.b import c`` yields ``a.b`` and ``a.b.c`` (``c`` may be a submodule); relative
    imports are resolved against ``module``. Imports inside functions and under
    ``TYPE_CHECKING`` count too: they couple the modules just the same.
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def imports_of(module: Module) -> set[str]:
    return set(imported(module.source, module.name, module.path.name == "__init__.py"))


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def offending(source: str, *packages: str) -> list[str]:
    return sorted(n for n in imported(source, "visma_hrm.x") if within(n, *packages))


def violations(importer: str, *forbidden: str) -> list[str]:
    return [
        f"{m.name} imports {name}"
        for m in modules()
        if within(m.name, importer)
        for name in sorted(imports_of(m))
        if within(name, *forbidden)
    ]
