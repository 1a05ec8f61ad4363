"""``sync``: the live table, the plain log and the summary (the sentences the sync engine writes
into its report stay English in both languages for now).

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- sync: the live table, the plain log and the summary ---------------------------------
    "sync.state.starting": "starting",
    "sync.state.waiting": "waiting",
    "sync.state.downloading": "downloading",
    "sync.state.done": "exported",
    "sync.state.downloaded": "downloaded",
    "sync.state.parsing": "parsing",
    "sync.state.loading": "loading",
    "sync.state.ok": "ok",
    "sync.state.failed": "failed",
    "sync.state.skipped": "skipped",
    "sync.mode.full": "full",
    "sync.mode.incremental": "incremental",
    "sync.log.files": "{done}/{total} files {size}",
    "sync.live.col.tenant": "tenant",
    "sync.live.col.dataset": "dataset",
    "sync.live.col.state": "state",
    "sync.live.col.files": "files",
    "sync.live.col.bytes": "bytes",
    "sync.live.col.rows": "rows",
    "sync.summary.title": "Sync summary",
    "sync.summary.tenant": "tenant {tenant}",
    "sync.col.dataset": "dataset",
    "sync.col.status": "status",
    "sync.col.received": "received",
    "sync.col.new": "new",
    "sync.col.changed": "changed",
    "sync.col.same": "same",
    "sync.col.deleted": "deleted",
    "sync.col.rejected": "rejected",
    "sync.all_datasets": "all datasets",
    "sync.failure": "{prefix} ({code}): tenant {tenant}, {which}: {message}",
    "sync.prefix.failed": "error",
    "sync.prefix.skipped": "skipped",
    "sync.note": "note: {message}",
    "sync.interrupted_removed": (
        "Removed what {count} interrupted earlier run(s) left behind; their unfinished exports "
        "were asked again."
    ),
    "sync.kept_out.all_but": "{dataset}: all but {count} column(s)",
    "sync.kept_out.only": "{dataset}: only {count} column(s)",
    "sync.kept_out.profile": "privacy profile {profile}; ",
    "sync.kept_out": "Columns asked of the API ({profile}fields): {parts}.",
    "sync.where.schema": "{path} (schema {schema})",
    "sync.verdict_line": "{verdict} into {where} in {seconds} s (load {load} s)",
    "sync.verdict.not_all": "not everything was loaded",
    "sync.verdict.rejected": "loaded except {count} rejected row(s)",
    "sync.verdict.rejected_where": (
        "(kept in {table}; once the source is fixed, the next sync loads them)"
    ),
    "sync.verdict.all": "everything loaded",
}

NL: dict[str, str] = {
    "sync.state.starting": "starten",
    "sync.state.waiting": "wachten",
    "sync.state.downloading": "downloaden",
    "sync.state.done": "geëxporteerd",
    "sync.state.downloaded": "gedownload",
    "sync.state.parsing": "inlezen",
    "sync.state.loading": "laden",
    "sync.state.ok": "ok",
    "sync.state.failed": "mislukt",
    "sync.state.skipped": "overgeslagen",
    "sync.mode.full": "volledig",
    "sync.mode.incremental": "incrementeel",
    "sync.log.files": "{done}/{total} bestanden {size}",
    "sync.live.col.tenant": "tenant",
    "sync.live.col.dataset": "dataset",
    "sync.live.col.state": "status",
    "sync.live.col.files": "bestanden",
    "sync.live.col.bytes": "bytes",
    "sync.live.col.rows": "rijen",
    "sync.summary.title": "Samenvatting sync",
    "sync.summary.tenant": "tenant {tenant}",
    "sync.col.dataset": "dataset",
    "sync.col.status": "status",
    "sync.col.received": "ontvangen",
    "sync.col.new": "nieuw",
    "sync.col.changed": "gewijzigd",
    "sync.col.same": "gelijk",
    "sync.col.deleted": "verwijderd",
    "sync.col.rejected": "afgewezen",
    "sync.all_datasets": "alle datasets",
    "sync.failure": "{prefix} ({code}): tenant {tenant}, {which}: {message}",
    "sync.prefix.failed": "fout",
    "sync.prefix.skipped": "overgeslagen",
    "sync.note": "let op: {message}",
    "sync.interrupted_removed": (
        "Wat {count} eerder afgebroken run(s) achterlieten is opgeruimd; hun onafgemaakte "
        "exports zijn opnieuw aangevraagd."
    ),
    "sync.kept_out.all_but": "{dataset}: alle kolommen op {count} na",
    "sync.kept_out.only": "{dataset}: alleen {count} kolom(men)",
    "sync.kept_out.profile": "privacyprofiel {profile}; ",
    "sync.kept_out": "Kolommen opgevraagd bij de API ({profile}fields): {parts}.",
    "sync.where.schema": "{path} (schema {schema})",
    "sync.verdict_line": "{verdict} in {where} in {seconds} s (laden {load} s)",
    "sync.verdict.not_all": "niet alles is geladen",
    "sync.verdict.rejected": "geladen, behalve {count} afgewezen rij(en)",
    "sync.verdict.rejected_where": (
        "(bewaard in {table}; zodra de bron is hersteld, laadt de volgende sync ze)"
    ),
    "sync.verdict.all": "alles geladen",
}
