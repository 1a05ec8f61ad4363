"""One engine, checked on the source text: the rules that keep every entry point on it.

- only the warehouse package asks which destination it is (``destination_name``,
  ``destination_type``, or a comparison with a destination's name);
- the orchestrator modules do not import dlt (they map the engine's report, nothing more);
- only the engine's load phase runs a dlt pipeline (``pipeline.run``/extract/normalize/load);
- personal columns are listed once, in ``visma_hrm.catalog.personal``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.architecture.source_tree import Module, imports_of, modules, within
from visma_hrm.catalog.personal import PERSONAL_COLUMNS, Role

DESTINATION_NAMES = {
    "duckdb",
    "postgres",
    "filesystem",
    "mssql",
    "motherduck",
    "snowflake",
    "bigquery",
    "fabric",
    "synapse",
    "redshift",
    "databricks",
    "clickhouse",
    "athena",
    "sqlalchemy",
}
ASKS_WHICH = {"destination_name", "destination_type"}
MAY_ASK = ("visma_hrm.warehouse", "visma_hrm.load.dlt_internals", "visma_hrm.sandbox")
"""The warehouse seam; dlt's fence (it names destinations in install hints); the sandbox (it
plays Visma and has no destinations)."""
PIPELINE_STEPS = {"run", "extract", "normalize", "load"}
ENGINE_LOAD = "visma_hrm.sync.load"
PERSONAL_HOME = "visma_hrm.catalog.personal"
DECLARES_COLUMNS = ("visma_hrm.catalog.datasets", "visma_hrm.sandbox")
"""The catalog declares every column of every dataset (personal ones among them); the sandbox
keeps its own description of the API on purpose."""


def _tree(module: Module) -> ast.AST:
    return ast.parse(module.source)


def destination_questions(source: str) -> Iterator[str]:
    """Where ``source`` asks which destination it has: attributes, or a name compared."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ASKS_WHICH:
            yield f"line {node.lineno}: .{node.attr}"
        if isinstance(node, ast.Compare):
            names = [
                c.value
                for c in (node.left, *node.comparators)
                for c in ([*c.elts] if isinstance(c, ast.Tuple | ast.List | ast.Set) else [c])
                if isinstance(c, ast.Constant) and c.value in DESTINATION_NAMES
            ]
            if names:
                yield f"line {node.lineno}: compares with {names[0]!r}"


def pipeline_runs(source: str) -> Iterator[str]:
    """Calls of ``<...pipeline>.run/extract/normalize/load(...)``."""
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = node.func.value
        name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
        if node.func.attr in PIPELINE_STEPS and "pipeline" in str(name):
            yield f"line {node.lineno}: {name}.{node.func.attr}()"


PERSONAL_NAMES = {n for n, p in PERSONAL_COLUMNS.items() if p.role is not Role.KEY}


def personal_lists(source: str) -> Iterator[str]:
    """Literal lists, tuples or sets naming three or more personal columns."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            named = [
                e.value
                for e in node.elts
                if isinstance(e, ast.Constant) and e.value in PERSONAL_NAMES
            ]
            if len(named) >= 3:
                yield f"line {node.lineno}: {', '.join(named)}"


# ----------------------------------------------------------------------------- the readers
def test_the_readers_see_what_they_look_for() -> None:
    """Each rule is only as good as its reader: it must find the forms it forbids."""
    asking = (
        'if pipeline.destination.destination_name == "duckdb":\n'
        '    x = cfg.destination in ("filesystem", "x")\n'
    )
    assert len(list(destination_questions(asking))) == 3
    running = "pipeline.run(source)\nself.pipeline.load()\njson.load(f)\n"
    assert [q.split(": ")[1] for q in pipeline_runs(running)] == [
        "pipeline.run()",
        "pipeline.load()",
    ]
    assert list(personal_lists('COLS = ("firstname", "initials", "homecity", "orgunit")\n'))
    assert not list(personal_lists('COLS = ("firstname", "employeeid", "orgunit")\n'))


# ----------------------------------------------------------------------------- the rules
def test_only_the_warehouse_asks_which_destination_it_is() -> None:
    found = [
        f"{m.name} {q}"
        for m in modules()
        if not within(m.name, *MAY_ASK)
        for q in destination_questions(m.source)
    ]
    assert not found, "ask the warehouse seam (visma_hrm.warehouse) instead:\n" + "\n".join(found)


def test_the_warehouse_is_where_destinations_are_told_apart() -> None:
    """The fence has something inside: were it empty, the rule above would check nothing."""
    assert any(
        list(destination_questions(m.source))
        for m in modules()
        if within(m.name, "visma_hrm.warehouse")
    )


def test_the_orchestrator_modules_do_not_import_dlt() -> None:
    found = [
        f"{m.name} imports {name}"
        for m in modules()
        if within(m.name, "visma_hrm.orchestrate")
        for name in sorted(imports_of(m))
        if within(name, "dlt", "dagster_dlt")
    ]
    assert not found, "map the engine's report instead:\n" + "\n".join(found)


def test_only_the_engine_runs_a_dlt_pipeline() -> None:
    found = [
        f"{m.name} {c}" for m in modules() if m.name != ENGINE_LOAD for c in pipeline_runs(m.source)
    ]
    assert not found, f"load through the engine ({ENGINE_LOAD}):\n" + "\n".join(found)
    engine = next(m for m in modules() if m.name == ENGINE_LOAD)
    assert {c.split(".")[-1] for c in pipeline_runs(engine.source)} >= {"extract()", "load()"}


def test_personal_columns_are_defined_once() -> None:
    found = [
        f"{m.name} {found}"
        for m in modules()
        if m.name != PERSONAL_HOME and not within(m.name, *DECLARES_COLUMNS)
        for found in personal_lists(m.source)
    ]
    assert not found, f"derive them from {PERSONAL_HOME} (roles):\n" + "\n".join(found)
    home = next(m for m in modules() if m.name == PERSONAL_HOME)
    assert list(personal_lists(home.source)), "the one list is not where it should be"
