"""The ``maintain`` command: routine upkeep of the warehouse between syncs.

Compacts the small files every run adds to Delta tables (and gathers the position files into
one), checkpoints a DuckDB file; ``--erase`` also erases removed values from the destination's
bytes now (for ``compact_after_erasure = false``, or after a run that stopped before it
erased). Holds the destination as a sync does, so schedule it outside the sync window.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    ConfigOpt,
    DuckdbPathOpt,
    JsonOpt,
    LangOpt,
    QuietOpt,
    VerboseOpt,
    errors_to_exit,
    say,
    set_verbosity,
)
from visma_hrm.cli.read_options import SchemaOpt, read_settings
from visma_hrm.cli.status_cmd import FilesDestinationOpt
from visma_hrm.messages import text


@app.command("maintain")
@errors_to_exit
def maintain_command(
    erase: Annotated[
        bool,
        typer.Option(
            "--erase", help="Also erase removed values from the files now (see docs/privacy.md)."
        ),
    ] = False,
    config: ConfigOpt = None,
    destination: FilesDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Compact Delta tables, checkpoint DuckDB: routine upkeep between syncs."""
    from visma_hrm.sync.upkeep import maintain
    from visma_hrm.warehouse.base import Warehouse

    set_verbosity(quiet, verbose)
    settings = read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )
    notes = maintain(settings, erase_now=erase)
    if json_output:
        print(json.dumps({"notes": [str(n) for n in notes]}, indent=2, ensure_ascii=False))
        return
    for note in notes:
        say(note.in_lang(settings.lang))
    say(text("maintain.done", settings.lang, where=Warehouse.of(settings).label))
