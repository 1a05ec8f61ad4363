"""The sync engine's own sentences: the notes a run writes into its report, EN and NL.

Written by ``visma_hrm.sync`` as ``Note`` objects (English text plus key and values), shown by
the command line in the user's language. Counts arrive already written the reader's way.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "note.selection_changed": (
        "{dataset}: the column selection (fields, privacy profile) changed since the last "
        "export, so this export is full."
    ),
    "note.rejected_no_evidence": (
        "{tenant} {dataset}: the full export had {rows} rejected row(s), so it is no evidence "
        "of deletions: no row was marked deleted."
    ),
    "note.adopted": (
        "Moved {old} (the default file of visma-hrm 0.1, tables in schema main) to {new}, "
        "tables in schema {schema} ({tables} table(s)): query them as {schema}.<table>, point "
        "your tools at {new}, and rebuild analytics views with `visma-hrm analytics`."
    ),
    "note.exclusions.emptied": (
        "{table}: emptied {columns} in {rows} stored row(s) (excluded by fields or privacy "
        "profile)."
    ),
    "note.exclusions.waiting": (
        "{table}: columns kept out by fields were not emptied in stored rows, because an export "
        "of it failed (the API must accept the selection first); the next successful run "
        "empties them."
    ),
    "note.exclusions.feed": (
        "changes: {columns} removed from {events} stored event(s) (excluded by fields or "
        "privacy profile)."
    ),
    "note.history": "{table}: {opened} version(s) opened, {closed} closed",
    "note.changes": "changes: {added} new event(s)",
    "note.custom_fields": "{schema}: the custom field views made again ({fields} field(s))",
    "warning.custom_fields": (
        "{schema}: the custom field views could not be made again ({error}); the data is "
        "loaded. Run `visma-hrm analytics` (or `report`, `model`) to make them."
    ),
    "note.retention.empty": (
        "retention ({years} years): {people} person(s) whose last employment ended before "
        "{cutoff}; emptied personal columns in {counted} row(s) now."
    ),
    "note.retention.remove": (
        "retention ({years} years): {people} person(s) whose last employment ended before "
        "{cutoff}; removed {counted} row(s) now."
    ),
    "note.deleted": "{tenant} {dataset}: {rows} rows marked deleted",
    "note.feed_not_kept": (
        "The change feed (on by default) is not kept on this destination (Delta files cannot "
        "be changed with SQL); set change_feed = false to say so, or load into DuckDB or "
        "PostgreSQL for it."
    ),
    "note.steps_caught_up": (
        "The after-load steps of an earlier load had not run (finish() was not called after "
        "pipeline.run, or the run stopped in between): they ran now."
    ),
}

NL: dict[str, str] = {
    "note.selection_changed": (
        "{dataset}: de kolomselectie (fields, privacyprofiel) is veranderd sinds de vorige "
        "export, dus deze export is volledig."
    ),
    "note.rejected_no_evidence": (
        "{tenant} {dataset}: de volledige export had {rows} afgewezen rij(en) en is dus geen "
        "bewijs van verwijderingen: er is geen rij als verwijderd gemarkeerd."
    ),
    "note.adopted": (
        "{old} (het standaardbestand van visma-hrm 0.1, tabellen in schema main) is verplaatst "
        "naar {new}, tabellen in schema {schema} ({tables} tabel(len)): vraag ze op als "
        "{schema}.<tabel>, wijs je tools naar {new} en bouw de analyseviews opnieuw met "
        "`visma-hrm analytics`."
    ),
    "note.exclusions.emptied": (
        "{table}: {columns} geleegd in {rows} opgeslagen rij(en) (uitgesloten met fields of "
        "privacyprofiel)."
    ),
    "note.exclusions.waiting": (
        "{table}: kolommen die fields uitsluit zijn niet geleegd in opgeslagen rijen, omdat een "
        "export ervan mislukte (de API moet de selectie eerst accepteren); de volgende geslaagde "
        "run leegt ze."
    ),
    "note.exclusions.feed": (
        "changes: {columns} verwijderd uit {events} opgeslagen gebeurtenis(sen) (uitgesloten "
        "met fields of privacyprofiel)."
    ),
    "note.history": "{table}: {opened} versie(s) geopend, {closed} gesloten",
    "note.changes": "changes: {added} nieuwe gebeurtenis(sen)",
    "note.custom_fields": "{schema}: de views met eigen velden opnieuw gemaakt ({fields} veld(en))",
    "warning.custom_fields": (
        "{schema}: de views met eigen velden konden niet opnieuw worden gemaakt ({error}); de "
        "gegevens zijn geladen. Maak ze met `visma-hrm analytics` (of `report`, `model`)."
    ),
    "note.retention.empty": (
        "bewaartermijn ({years} jaar): {people} persoon/personen van wie het laatste "
        "dienstverband vóór {cutoff} eindigde; persoonsgegevens nu geleegd in {counted} rij(en)."
    ),
    "note.retention.remove": (
        "bewaartermijn ({years} jaar): {people} persoon/personen van wie het laatste "
        "dienstverband vóór {cutoff} eindigde; {counted} rij(en) nu verwijderd."
    ),
    "note.deleted": "{tenant} {dataset}: {rows} rijen als verwijderd gemarkeerd",
    "note.feed_not_kept": (
        "De wijzigingsfeed (standaard aan) wordt op deze bestemming niet bijgehouden "
        "(Delta-bestanden kunnen niet met SQL worden gewijzigd); zet change_feed = false om dat "
        "te zeggen, of laad in DuckDB of PostgreSQL voor de feed."
    ),
    "note.steps_caught_up": (
        "De stappen na het laden van een eerdere load waren niet uitgevoerd (finish() werd niet "
        "aangeroepen na pipeline.run, of de run stopte ertussen): ze zijn nu uitgevoerd."
    ),
}
