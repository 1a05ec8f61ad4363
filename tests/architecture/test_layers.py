"""The layout the project promises, checked on the source text (ast, no imports, no network).

docs/architecture.md describes these rules; each test reads every module of ``src/visma_hrm``
once and names the offending module and import, so a broken rule says where to look:

- only ``dlt_internals`` reaches below dlt's public API (``dlt.common``, ``dlt.extract``,
  ``dlt.destinations.impl``), so a dlt upgrade is checked in one place;
- the client and the sandbox sit on the two sides of HTTP and never import each other (nor
  does the sandbox import the catalog: it must not share our idea of the API);
- data flows one way: the client imports nothing of the sync or the CLI, the sync nothing of
  the CLI;
- every module opens with a docstring saying its one concern, and stays under 400 lines.
"""

from __future__ import annotations

import ast

import pytest

from tests.architecture.source_tree import (
    DLT_INTERNALS,
    LONG_ALLOWED,
    MAX_LINES,
    Module,
    imports_of,
    modules,
    offending,
    violations,
    within,
)


# ----------------------------------------------------------------------------- the checker
def test_the_import_reader_sees_every_form_of_import() -> None:
    """The rules below are only as good as this reader: it must not miss a way to import."""
    source = (
        "import dlt.common.pipeline\n"
        "from dlt.extract.source import DltSource\n"
        "from dlt.destinations import impl\n"
        "def f():\n    from dlt.common import signals\n"
        "from . import sandbox\n"
        "from .cli.common import x\n"
    )
    assert offending(source, *DLT_INTERNALS) == [
        "dlt.common",
        "dlt.common.pipeline",
        "dlt.common.signals",
        "dlt.destinations.impl",
        "dlt.extract.source",
        "dlt.extract.source.DltSource",
    ]
    assert offending(source, "visma_hrm.sandbox", "visma_hrm.cli") == [
        "visma_hrm.cli.common",
        "visma_hrm.cli.common.x",
        "visma_hrm.sandbox",
    ]
    assert offending("import dlt\nfrom dlt.sources import DltSource\n", *DLT_INTERNALS) == []


# ----------------------------------------------------------------------------------- rules
def test_only_dlt_internals_reaches_below_dlts_public_api() -> None:
    found = [
        f"{m.name} imports {name}"
        for m in modules()
        if m.name != "visma_hrm.load.dlt_internals"
        for name in sorted(imports_of(m))
        if within(name, *DLT_INTERNALS)
    ]
    assert not found, "go through visma_hrm.load.dlt_internals instead:\n" + "\n".join(found)


def test_dlt_internals_is_where_dlt_is_reached_below_its_api() -> None:
    """The fence has something inside: were it empty, the rule above would check nothing."""
    internals = next(m for m in modules() if m.name == "visma_hrm.load.dlt_internals")
    assert any(within(n, *DLT_INTERNALS) for n in imports_of(internals))


def test_the_client_and_the_sandbox_never_import_each_other() -> None:
    found = violations("visma_hrm.client", "visma_hrm.sandbox")
    found += violations("visma_hrm.sandbox", "visma_hrm.client", "visma_hrm.catalog")
    assert not found, "\n".join(found)


DRIVERS = ("visma_hrm.cli", "visma_hrm.orchestrate", "visma_hrm.dlt_source")
READERS = ("visma_hrm.analytics", "visma_hrm.report")


def test_data_flows_one_way_drivers_engine_source_client() -> None:
    """drivers -> engine (sync) -> loading side (load) -> client -> HTTP, and engine ->
    warehouse: no module imports one above it."""
    found = violations(
        "visma_hrm.client",
        "visma_hrm.sync",
        "visma_hrm.load",
        "visma_hrm.warehouse",
        *DRIVERS,
        *READERS,
    )
    found += violations(
        "visma_hrm.load", "visma_hrm.sync", "visma_hrm.warehouse", *DRIVERS, *READERS
    )
    found += violations("visma_hrm.warehouse", "visma_hrm.sync", *DRIVERS, *READERS)
    found += violations("visma_hrm.sync", *DRIVERS, *READERS)
    found += violations("visma_hrm.orchestrate", "visma_hrm.cli")
    found += violations("visma_hrm.analytics", *DRIVERS)
    found += violations("visma_hrm.report", *DRIVERS)
    found += violations("visma_hrm.catalog", "visma_hrm.client", "visma_hrm.load", "visma_hrm.sync")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.name)
def test_every_module_opens_with_a_docstring(module: Module) -> None:
    docstring = ast.get_docstring(ast.parse(module.source))
    assert docstring and docstring.strip(), f"{module.path} has no opening docstring"


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.name)
def test_no_module_exceeds_400_lines(module: Module) -> None:
    if module.name in LONG_ALLOWED:
        pytest.skip("the sandbox's data generator may be long")
    lines = len(module.source.splitlines())
    assert lines <= MAX_LINES, f"{module.path}: {lines} lines; split it by concern"
