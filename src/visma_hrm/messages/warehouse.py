"""The warehouse as the commands that read it find it: a wrong path, a file that is not a
DuckDB database, a file another program holds, a server that cannot be reached.

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- opening the warehouse to read it (visma_hrm.warehouse.reading) ----------------------
    "warehouse.missing": (
        "{path} does not exist: run `visma-hrm sync` first, or point --duckdb-path (or "
        "duckdb_path in visma-hrm.toml) at the file a sync loaded into."
    ),
    "warehouse.directory": (
        "{path} is a folder, not a DuckDB file: point --duckdb-path at the file a sync loaded "
        "into (a file such as {path}/visma-hrm.duckdb)."
    ),
    "warehouse.not_a_file": (
        "{path} is not a regular file: point --duckdb-path at the DuckDB file a sync loaded into."
    ),
    "warehouse.empty": (
        "{path} is empty (0 bytes), not a DuckDB database: point --duckdb-path at the file a "
        "sync loaded into, or remove this one and run `visma-hrm sync`."
    ),
    "warehouse.foreign": (
        "{path} is not a DuckDB file (its header lacks DuckDB's mark): point --duckdb-path at "
        "the file a sync loaded into."
    ),
    "warehouse.unreadable": (
        "{path} cannot be read ({reason}): give this user read access to it, or point "
        "--duckdb-path at another copy."
    ),
    "warehouse.read_only": (
        "{path} cannot be written ({reason}), and this command writes its views into the "
        "file: run it where the file and its folder are writable, or on a copy."
    ),
    "warehouse.busy_writer": (
        "{path} is open in another program that writes to it{holder}. DuckDB lets one process "
        "write a file, and others read it only while nobody writes: wait for that program to "
        "finish (a sync) or close it (a DuckDB shell, a notebook, a BI tool), then run again."
    ),
    "warehouse.busy_reader": (
        "{path} is open in another program{holder}, so this command cannot write its views "
        "into it (DuckDB lets a file be written only while no other process has it open): "
        "close that program (a DuckDB shell, a notebook, a BI tool), then run again."
    ),
    "warehouse.holder": " (process {pid})",
    "warehouse.cannot_open": "{path} could not be opened: {reason}",
    "warehouse.no_credentials": (
        "No PostgreSQL credentials: set DESTINATION__POSTGRES__CREDENTIALS or "
        "[destination.postgres] credentials in .dlt/secrets.toml, as for the sync "
        "(docs/configuration.md, Destinations)."
    ),
    "warehouse.cannot_connect": "PostgreSQL could not be reached: {reason}",
    "warehouse.unsupported": (
        "--destination {destination}: the commands that read the warehouse read duckdb or postgres."
    ),
    "warehouse.unsupported_files": (
        "--destination {destination}: this command reads duckdb, postgres or filesystem (Delta "
        "files)."
    ),
}

NL: dict[str, str] = {
    "warehouse.missing": (
        "{path} bestaat niet: draai eerst `visma-hrm sync`, of wijs met --duckdb-path (of "
        "duckdb_path in visma-hrm.toml) het bestand aan waarin een sync heeft geladen."
    ),
    "warehouse.directory": (
        "{path} is een map, geen DuckDB-bestand: wijs met --duckdb-path het bestand aan waarin "
        "een sync heeft geladen (een bestand zoals {path}/visma-hrm.duckdb)."
    ),
    "warehouse.not_a_file": (
        "{path} is geen gewoon bestand: wijs met --duckdb-path het DuckDB-bestand aan waarin "
        "een sync heeft geladen."
    ),
    "warehouse.empty": (
        "{path} is leeg (0 bytes), geen DuckDB-database: wijs met --duckdb-path het bestand aan "
        "waarin een sync heeft geladen, of verwijder dit bestand en draai `visma-hrm sync`."
    ),
    "warehouse.foreign": (
        "{path} is geen DuckDB-bestand (de kop mist het kenmerk van DuckDB): wijs met "
        "--duckdb-path het bestand aan waarin een sync heeft geladen."
    ),
    "warehouse.unreadable": (
        "{path} kan niet worden gelezen ({reason}): geef deze gebruiker leesrechten, of wijs "
        "met --duckdb-path een andere kopie aan."
    ),
    "warehouse.read_only": (
        "{path} kan niet worden beschreven ({reason}), en deze opdracht schrijft zijn views in "
        "het bestand: draai hem waar het bestand en de map beschrijfbaar zijn, of op een kopie."
    ),
    "warehouse.busy_writer": (
        "{path} is geopend in een ander programma dat erin schrijft{holder}. DuckDB laat één "
        "proces tegelijk in een bestand schrijven, en anderen lezen alleen als niemand schrijft: "
        "wacht tot dat programma klaar is (een sync) of sluit het (een DuckDB-shell, een "
        "notebook, een BI-tool) en probeer het daarna opnieuw."
    ),
    "warehouse.busy_reader": (
        "{path} is geopend in een ander programma{holder}, dus deze opdracht kan er geen views "
        "in schrijven (DuckDB laat een bestand alleen beschrijven als geen ander proces het "
        "open heeft): sluit dat programma (een DuckDB-shell, een notebook, een BI-tool) en "
        "probeer het daarna opnieuw."
    ),
    "warehouse.holder": " (proces {pid})",
    "warehouse.cannot_open": "{path} kon niet worden geopend: {reason}",
    "warehouse.no_credentials": (
        "Geen PostgreSQL-gegevens: zet DESTINATION__POSTGRES__CREDENTIALS of "
        "[destination.postgres] credentials in .dlt/secrets.toml, net als voor de sync "
        "(docs/configuration.md, Destinations)."
    ),
    "warehouse.cannot_connect": "PostgreSQL is niet bereikbaar: {reason}",
    "warehouse.unsupported": (
        "--destination {destination}: de opdrachten die het warehouse lezen, lezen duckdb of "
        "postgres."
    ),
    "warehouse.unsupported_files": (
        "--destination {destination}: deze opdracht leest duckdb, postgres of filesystem "
        "(Delta-bestanden)."
    ),
}
