"""Operating many tenants: ``status``, ``tenants``, ``maintain``, and the engine's notes on
erasure and upkeep.

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- the engine's notes (Note objects in the run's report) ------------------------------
    "note.erased.duckdb": (
        "Erased: {file} rewritten with only what it holds now ({before} -> {after} MB), so the "
        "values removed or emptied are gone from its bytes."
    ),
    "note.erased.delta": (
        "Erased: Delta tables vacuumed without retention and their old log dropped ({tables}), "
        "so the values removed or emptied are gone from the folder's files."
    ),
    "note.erased.server": (
        "The values removed or emptied stay in {destination}'s own files, write-ahead log and "
        "backups until the server reuses that space: docs/privacy.md says how to erase them "
        "there."
    ),
    "note.erasure_off": (
        "compact_after_erasure = false: the values removed or emptied are still in the "
        "destination's bytes; `visma-hrm maintain --erase` erases them."
    ),
    "note.erase_waiting.duckdb": (
        "{file} is open on your pipeline's own DuckDB connection, so it cannot be compacted "
        "now: the values removed or emptied stay in its bytes until `visma-hrm maintain "
        "--erase` (the run log keeps the erasure pending)."
    ),
    "note.maintained.duckdb": "{file}: checkpointed ({before} -> {after} MB).",
    "note.maintained.delta": "{table}: {files} small file(s) compacted into {now}.",
    "note.maintained.delta_nothing": "Delta tables: nothing to compact.",
    "note.maintained.server": (
        "{destination} keeps its own tables (autovacuum): nothing for visma-hrm to do there."
    ),
    # --- status -------------------------------------------------------------------------------
    "status.col.tenant": "tenant",
    "status.col.dataset": "dataset",
    "status.col.incremental": "incremental",
    "status.col.full": "full",
    "status.col.rows": "rows",
    "status.col.rejected": "rejected",
    "status.col.state": "state",
    "status.state.ok": "ok",
    "status.state.failing": "failing",
    "status.state.stale": "stale",
    "status.state.stale_full": "stale (full)",
    "status.state.never": "never loaded",
    "status.state.none": "not loaded yet",
    "status.state.skipped": "not approved",
    "status.state.not_configured": "not configured",
    "status.problem.failing": "failing since {since} ({age} ago): {message}",
    "status.problem.never": "never loaded",
    "status.problem.stale": "newest load {age} ago (limit {limit})",
    "status.problem.stale_full": "newest full export {age} ago (limit {limit})",
    "status.problem.no_full": "no full export loaded yet (limit {limit})",
    "status.never": "never",
    "status.span.days": "{days} d {hours} h",
    "status.span.hours": "{hours} h",
    "status.span.minutes": "{minutes} min",
    "status.fresh": "All {pairs} dataset(s) of {tenants} tenant(s) fresh.",
    "status.troubled": "{problems} dataset(s) stale or failing ({tenants} tenant(s) checked).",
    "status.summary": "visma-hrm status: {problems} dataset(s) stale or failing in {where}",
    "status.notify_timeout": "--notify-command did not finish within {seconds} s: stopped.",
    "status.notify_failed": "--notify-command ended with exit code {code}.",
    # --- tenants ------------------------------------------------------------------------------
    "tenants.col.tenant": "tenant",
    "tenants.col.configured": "configured",
    "tenants.col.tables": "tables",
    "tenants.col.rows": "rows",
    "tenants.col.datasets": "datasets",
    "tenants.col.last_load": "newest load",
    "tenants.col.state": "state",
    "tenants.yes": "yes",
    "tenants.no": "no",
    "tenants.count": (
        "{tenants} tenant(s): {configured} configured, {held} with rows in the warehouse."
    ),
    "tenants.still_configured": (
        "Tenant {tenant} is still in tenants (the configuration): the next sync would load it "
        "again. Remove it from tenants first; to load it again from scratch, use "
        "`visma-hrm tenants reload {tenant}`."
    ),
    "tenants.confirm": (
        "forget deletes every row of tenant {tenant} ({rows} row(s) in {tables} table(s)) from "
        "{where}, and it cannot be undone: run it again with --yes."
    ),
    "tenants.forgotten": "Tenant {tenant}: deleted {rows} row(s) from {tables} table(s).",
    "tenants.nothing": "The warehouse holds no row of tenant {tenant}.",
    "tenants.reloaded": (
        "Tenant {tenant}: {rows} position row(s) forgotten; its next sync takes full exports."
    ),
    "tenants.reload_nothing": (
        "Tenant {tenant} has no position in the warehouse: its next sync takes full exports anyway."
    ),
    # --- maintain -----------------------------------------------------------------------------
    "maintain.done": "Maintenance of {where} done.",
}

NL: dict[str, str] = {
    # --- de notities van de engine ------------------------------------------------------------
    "note.erased.duckdb": (
        "Gewist: {file} opnieuw geschreven met alleen wat het nu bevat ({before} -> {after} "
        "MB), dus de verwijderde of geleegde waarden staan niet meer in de bytes."
    ),
    "note.erased.delta": (
        "Gewist: Delta-tabellen zonder bewaartijd opgeschoond en hun oude log verwijderd "
        "({tables}), dus de verwijderde of geleegde waarden staan niet meer in de bestanden "
        "van de map."
    ),
    "note.erased.server": (
        "De verwijderde of geleegde waarden blijven in de eigen bestanden, write-ahead log en "
        "back-ups van {destination} staan tot de server die ruimte hergebruikt: docs/privacy.md "
        "zegt hoe je ze daar wist."
    ),
    "note.erasure_off": (
        "compact_after_erasure = false: de verwijderde of geleegde waarden staan nog in de "
        "bytes van de bestemming; `visma-hrm maintain --erase` wist ze."
    ),
    "note.erase_waiting.duckdb": (
        "{file} is open op de eigen DuckDB-verbinding van je pipeline en kan nu niet worden "
        "gecompacteerd: de verwijderde of geleegde waarden blijven in de bytes staan tot "
        "`visma-hrm maintain --erase` (het runlog houdt het wissen open)."
    ),
    "note.maintained.duckdb": "{file}: checkpoint gedaan ({before} -> {after} MB).",
    "note.maintained.delta": "{table}: {files} kleine bestand(en) samengevoegd tot {now}.",
    "note.maintained.delta_nothing": "Delta-tabellen: niets samen te voegen.",
    "note.maintained.server": (
        "{destination} onderhoudt zijn eigen tabellen (autovacuum): visma-hrm hoeft daar niets "
        "te doen."
    ),
    # --- status -------------------------------------------------------------------------------
    "status.col.tenant": "tenant",
    "status.col.dataset": "dataset",
    "status.col.incremental": "incrementeel",
    "status.col.full": "volledig",
    "status.col.rows": "rijen",
    "status.col.rejected": "afgewezen",
    "status.col.state": "toestand",
    "status.state.ok": "ok",
    "status.state.failing": "mislukt",
    "status.state.stale": "verouderd",
    "status.state.stale_full": "verouderd (volledig)",
    "status.state.never": "nooit geladen",
    "status.state.none": "nog niet geladen",
    "status.state.skipped": "niet goedgekeurd",
    "status.state.not_configured": "niet geconfigureerd",
    "status.problem.failing": "mislukt sinds {since} ({age} geleden): {message}",
    "status.problem.never": "nooit geladen",
    "status.problem.stale": "nieuwste load {age} geleden (grens {limit})",
    "status.problem.stale_full": "nieuwste volledige export {age} geleden (grens {limit})",
    "status.problem.no_full": "nog geen volledige export geladen (grens {limit})",
    "status.never": "nooit",
    "status.span.days": "{days} d {hours} u",
    "status.span.hours": "{hours} u",
    "status.span.minutes": "{minutes} min",
    "status.fresh": "Alle {pairs} dataset(s) van {tenants} tenant(s) actueel.",
    "status.troubled": (
        "{problems} dataset(s) verouderd of mislukt ({tenants} tenant(s) gecontroleerd)."
    ),
    "status.summary": "visma-hrm status: {problems} dataset(s) verouderd of mislukt in {where}",
    "status.notify_timeout": "--notify-command was na {seconds} s niet klaar: gestopt.",
    "status.notify_failed": "--notify-command eindigde met afsluitcode {code}.",
    # --- tenants ------------------------------------------------------------------------------
    "tenants.col.tenant": "tenant",
    "tenants.col.configured": "geconfigureerd",
    "tenants.col.tables": "tabellen",
    "tenants.col.rows": "rijen",
    "tenants.col.datasets": "datasets",
    "tenants.col.last_load": "nieuwste load",
    "tenants.col.state": "toestand",
    "tenants.yes": "ja",
    "tenants.no": "nee",
    "tenants.count": (
        "{tenants} tenant(s): {configured} geconfigureerd, {held} met rijen in het warehouse."
    ),
    "tenants.still_configured": (
        "Tenant {tenant} staat nog in tenants (de configuratie): de volgende sync zou hem "
        "opnieuw laden. Haal hem eerst uit tenants; om hem vanaf nul opnieuw te laden: "
        "`visma-hrm tenants reload {tenant}`."
    ),
    "tenants.confirm": (
        "forget verwijdert elke rij van tenant {tenant} ({rows} rij(en) in {tables} tabel(len)) "
        "uit {where}, en dat kan niet ongedaan worden: draai het opnieuw met --yes."
    ),
    "tenants.forgotten": "Tenant {tenant}: {rows} rij(en) verwijderd uit {tables} tabel(len).",
    "tenants.nothing": "Het warehouse bevat geen rij van tenant {tenant}.",
    "tenants.reloaded": (
        "Tenant {tenant}: {rows} positierij(en) vergeten; de volgende sync doet volledige exports."
    ),
    "tenants.reload_nothing": (
        "Tenant {tenant} heeft geen positie in het warehouse: de volgende sync doet hoe dan ook "
        "volledige exports."
    ),
    # --- maintain -----------------------------------------------------------------------------
    "maintain.done": "Onderhoud van {where} klaar.",
}
