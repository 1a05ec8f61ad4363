"""The words the CLI says to a person, in English and Dutch.

``check``, ``init`` and ``datasets`` are translated in full; ``sync``, ``analytics``, ``demo``
and ``sandbox`` translate their own fixed words (titles, column headers, statuses, verdicts),
while the sentences the sync engine writes into its report (notes, warnings, error causes)
are English in both languages for now.

The users are Dutch organisations whose people follow a Dutch manual; a diagnosis that names
the manual's steps in their language ("Integrations > Customers", "My Apps", "groen/grijs")
is one they can act on without translating. The names of portal tabs and App Store buttons
stay in English in both languages, because that is how the portal shows them.

A plain dictionary per language is enough: the catalog is small, every key exists in every
language (a test checks keys and placeholders match), and a missing Dutch text falls back to
English rather than failing in front of a user.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping

LANGUAGES = ("en", "nl")
DEFAULT_LANG = "en"

_EN: dict[str, str] = {
    # --- problems: one plain sentence each, with the fix -------------------------------------
    "problem.missing_client_id": (
        "No client id is configured: copy the isv_... client id from the Details tab of your "
        "application in the Visma Developer Portal into --client-id, VISMA_HRM_CLIENT_ID or "
        "visma-hrm.toml (or run `visma-hrm init`)."
    ),
    "problem.missing_secret": (
        "No client secret is configured: make one on the Credentials tab of your application in "
        "the Visma Developer Portal and put it in VISMA_HRM_CLIENT_SECRET or the secrets file "
        "(or run `visma-hrm init`)."
    ),
    "problem.no_tenants": (
        "No tenant id is configured: copy the tenant id of each customer database from "
        "Integrations > Customers in the Visma Developer Portal into --tenant, "
        "VISMA_HRM_TENANTS or visma-hrm.toml."
    ),
    "problem.unknown_dataset": (
        "Dataset {dataset} is not a dataset visma-hrm knows: fix the datasets setting "
        "(`visma-hrm datasets` lists the valid names)."
    ),
    "problem.invalid_client": (
        "Visma Connect refused client id {client_id} or its secret (it answers invalid_client "
        "for both an unknown client id and a wrong secret): compare the client id with the "
        "Details tab and the secret with the Credentials tab of your application in the Visma "
        "Developer Portal, and make a new secret there if in doubt."
    ),
    "problem.tenant_not_linked": (
        "Tenant {tenant} is not linked to your application: the customer has not yet entered "
        "and accepted the invitation code in the Visma App Store (My Apps, then Integrate), or "
        "the invitation was made for another database (each database needs its own invitation "
        "code), or the tenant id is mistyped; compare it with Integrations > Customers in the "
        "Developer Portal."
    ),
    "problem.dataset_refused": (
        "Dataset {dataset} is not approved for tenant {tenant}: the customer rejected it (grey) "
        "in the Visma App Store under My Apps, or it was not requested on the Integrations tab "
        "of your application; request it there, then ask the customer to accept it (green) and "
        "press Integrate."
    ),
    "problem.no_dataset_approved": (
        "Tenant {tenant} has approved no dataset at all: request datasets on the Integrations "
        "tab of your application, then ask the customer to accept them (green) in the Visma App "
        "Store under My Apps and press Integrate."
    ),
    "problem.token_endpoint_unreachable": (
        "The token endpoint {url} cannot be reached: check the network, a proxy or firewall "
        "(HTTPS_PROXY), and the token URL (Visma's is https://connect.visma.com/connect/token)."
    ),
    "problem.token_endpoint_outage": (
        "The token endpoint {url} answers with server errors (HTTP {status}): Visma Connect "
        "has an outage or a proxy is failing; try again later, and check the token URL."
    ),
    "problem.token_endpoint_wrong": (
        "The token URL {url} answered HTTP {status}, not as a token endpoint does: check the "
        "token URL (Visma's is https://connect.visma.com/connect/token) and any proxy in between."
    ),
    "problem.api_unreachable": (
        "The API {url} cannot be reached: check the network, a proxy or firewall "
        "(HTTPS_PROXY), and the API URL (Visma's is https://api.analytics1.hrm.visma.net)."
    ),
    "problem.rate_limited": (
        "Visma kept answering 429 Too Many Requests for tenant {tenant}: wait a few minutes "
        "and run the check again."
    ),
    "problem.server_error": (
        "Visma answered with server errors for tenant {tenant}: try again later; if it lasts, "
        "check the API and token URLs."
    ),
    "problem.token_refused": (
        "Visma Connect refused a token for tenant {tenant} without a cause visma-hrm "
        "recognises; it answered HTTP {status}, {said}. Likely causes, in this order: the "
        "secret is not the one on the Credentials tab of your application in the Visma "
        "Developer Portal (or the client id not the one on its Details tab); the customer has "
        "not accepted the invitation code for this database in the Visma App Store (My Apps, "
        "then Integrate); a dataset your application requests is not approved by the customer "
        "(green under My Apps) or not requested on the Integrations tab."
    ),
    "problem.unexpected": (
        "The check for tenant {tenant} stopped on an error visma-hrm does not recognise "
        "({error}): run it again, and report it with the JSON output "
        "(`visma-hrm check --json`) if it persists."
    ),
    # --- who must act ----------------------------------------------------------------------
    "actor.third_party": "third party",
    "actor.customer": "customer",
    "actor.visma": "Visma",
    # --- the check table -------------------------------------------------------------------
    "check.title": "Access of client {client_id}",
    "check.col.tenant": "Tenant",
    "check.col.token": "Token",
    "check.col.datasets": "Datasets",
    "check.col.problems": "Problems",
    "check.problems_heading": "What to do:",
    "check.problem_line": "{number}. [{who}] {sentence}",
    "check.all_ok": "Everything configured is reachable.",
    "check.not_ok": "Not everything configured is reachable: see the problems above.",
    "check.none": "none",
    "status.yes": "yes",
    "status.no": "no",
    "status.approved": "approved",
    "status.refused": "refused",
    "status.unknown": "not checked",
    "status.token_unknown": "?",
    "check.all": "all",
    # --- datasets --------------------------------------------------------------------------
    "datasets.title": "Datasets of the Visma.net HRM analytics API",
    "datasets.col.name": "Dataset",
    "datasets.col.table": "Table",
    "datasets.col.scope": "Scope",
    "datasets.col.key": "Primary key",
    "datasets.col.columns": "Columns",
    "datasets.col.column": "Column",
    "datasets.col.type": "Type",
    "datasets.col.personal": "Personal data (GDPR)",
    "datasets.columns_count": "{count} columns",
    "datasets.personal_contact": "yes, private contact",
    "datasets.key_note": "tenant_id is always part of the key.",
    "datasets.no_credentials": (
        "No credentials configured: approvals per tenant are not shown (run `visma-hrm init`)."
    ),
    "datasets.unknown": "Unknown dataset {name}; known datasets: {known}.",
    # --- init ------------------------------------------------------------------------------
    "init.intro": (
        "visma-hrm setup. You need, from your application in the Visma Developer Portal: the "
        "client id (Details tab), the secret (Credentials tab) and the tenant id of each "
        "customer database (Integrations > Customers)."
    ),
    "init.prompt.client_id": "Client id (isv_..., Details tab)",
    "init.prompt.secret": "Client secret (Credentials tab; not shown while typing)",
    "init.prompt.tenants": "Tenant ids, separated by commas (Integrations > Customers)",
    "init.secret_from_env": "Using the client secret from VISMA_HRM_CLIENT_SECRET.",
    "init.validating": "Checking these credentials against {token_url} ...",
    "init.valid": "The credentials work.",
    "init.invalid": "The check found problems; the configuration does not work yet.",
    "init.confirm_write_anyway": "Write the configuration anyway?",
    "init.confirm_overwrite": "{path} exists. Replace it?",
    "init.exists": "{path} exists; use --force to replace it.",
    "init.written": "Wrote {config} and the secrets file {secrets} (readable by you only).",
    "init.not_written": "Nothing was written.",
    "init.missing": (
        "--non-interactive needs {what}; the secret comes from VISMA_HRM_CLIENT_SECRET or, with "
        "--secret-stdin, from standard input (never from a flag)."
    ),
    "init.what.client_id": "--client-id",
    "init.what.tenant": "at least one --tenant",
    "init.what.secret": "a secret",
    "init.empty_secret": "The secret is empty.",
    # --- general ---------------------------------------------------------------------------
    "error.line": "error ({code}): {message}",
    "warning.line": "warning: {message}",
    "error.lang": "Unknown language {value}; choose one of: {known}.",
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
    # --- analytics ----------------------------------------------------------------------------
    "analytics.as_of": (
        "As of {date}: the last date the data covers, when its newest export was taken "
        "(--as-of to choose another date, --as-of today to follow the calendar)."
    ),
    "analytics.views": "Views in schema [bold]{schema}[/]: {views}",
    "analytics.tenant": "tenant {tenant}\nheadcount {headcount}, FTE {fte} on {date}",
    "analytics.col.month": "month",
    "analytics.col.headcount": "headcount",
    "analytics.col.fte": "fte",
    "analytics.col.inflow": "inflow",
    "analytics.col.rehires": "rehires",
    "analytics.col.outflow": "outflow",
    "analytics.col.transfers": "transfers",
    "analytics.no_contracts": "No contracts found: nothing to count yet.",
    "analytics.next": (
        "Query them next: SELECT * FROM {schema}.headcount_monthly_total ORDER BY 1, 2;"
    ),
    # --- demo -----------------------------------------------------------------------------------
    "demo.sandbox_running": "Sandbox running at {url} with tenants {tenants}",
    "demo.clock_moved": "The sandbox clock moved 30 days: hires, contract changes, leavers.",
    "demo.step.full": "1. Full sync",
    "demo.step.incremental": "2. Incremental sync, a month later",
    "demo.counts.title": "Rows in the database (current / marked deleted)",
    "demo.counts.col.table": "table",
    "demo.counts.col.tenant": "tenant",
    "demo.counts.col.current": "current",
    "demo.counts.col.deleted": "deleted",
    "demo.next": (
        "\n[bold]Query it next[/] with the duckdb Python module (.venv/bin/python):\n{code}\n"
        "Tables in schema {schema}: {tables}\n"
        "Rows gone at the source are marked _visma_deleted = true by a full export "
        "(`visma-hrm sync --full-refresh`). "
        "Rebuild the analytics views with `visma-hrm analytics --duckdb-path {path}`."
    ),
    "demo.analytics": (
        "\n[bold]HR analytics[/] (persons, contract history, headcount, FTE, flows) as of "
        "{date}: the last date the data covers (when the sandbox exported it, by its clock), "
        "not today. `visma-hrm analytics` without --as-of does the same."
    ),
    "demo.report": (
        "\n[bold]HR report[/] (open it in a browser; `visma-hrm report --lang nl` for Dutch)\n"
        "  {path}"
    ),
    "demo.not_duckdb": "{path} exists and is not a DuckDB file; choose another --duckdb-path.",
    "demo.not_ours": (
        "{path} exists and was not made by the demo; the demo will not overwrite it. Choose "
        "another --duckdb-path, or pass --force to replace it."
    ),
    # --- sandbox ------------------------------------------------------------------------------
    "sandbox.admin": "{url}/sandbox/ (clock/advance, faults, tenants, truth)",
    "sandbox.running": "Sandbox running; Ctrl-C to stop.",
    "sandbox.stopped": "Sandbox stopped.",
    "sandbox.cannot_listen": "Cannot listen on {host}:{port}: {reason}. Try another --port.",
}

_NL: dict[str, str] = {
    "problem.missing_client_id": (
        "Er is geen client id ingesteld: kopieer de isv_...-client id van het tabblad Details "
        "van je applicatie in de Visma Developer Portal naar --client-id, VISMA_HRM_CLIENT_ID "
        "of visma-hrm.toml (of voer `visma-hrm init` uit)."
    ),
    "problem.missing_secret": (
        "Er is geen client secret ingesteld: maak er een aan op het tabblad Credentials van je "
        "applicatie in de Visma Developer Portal en zet het in VISMA_HRM_CLIENT_SECRET of in "
        "het secrets-bestand (of voer `visma-hrm init` uit)."
    ),
    "problem.no_tenants": (
        "Er is geen tenant id ingesteld: kopieer de tenant id van elke database van de klant "
        "uit Integrations > Customers in de Visma Developer Portal naar --tenant, "
        "VISMA_HRM_TENANTS of visma-hrm.toml."
    ),
    "problem.unknown_dataset": (
        "Dataset {dataset} kent visma-hrm niet: pas de instelling datasets aan "
        "(`visma-hrm datasets` toont de geldige namen)."
    ),
    "problem.invalid_client": (
        "Visma Connect weigert client id {client_id} of het secret (het antwoordt "
        "invalid_client bij zowel een onbekende client id als een verkeerd secret): vergelijk de "
        "client id met het tabblad Details en het secret met het tabblad Credentials van je "
        "applicatie in de Visma Developer Portal, en maak daar bij twijfel een nieuw secret aan."
    ),
    "problem.tenant_not_linked": (
        "Tenant {tenant} is niet gekoppeld aan je applicatie: de klant heeft de invitatiecode "
        "nog niet ingevoerd en geaccepteerd in de Visma App Store (My Apps, daarna Integrate), "
        "of de invitatie is voor een andere database gemaakt (elke database heeft een eigen "
        "invitatiecode nodig), of de tenant id is verkeerd getypt; vergelijk hem met "
        "Integrations > Customers in de Developer Portal."
    ),
    "problem.dataset_refused": (
        "Dataset {dataset} is niet goedgekeurd voor tenant {tenant}: de klant heeft hem "
        "afgewezen (grijs) in de Visma App Store onder My Apps, of hij is niet aangevraagd op "
        "het tabblad Integrations van je applicatie; vraag hem daar aan en vraag de klant hem "
        "te accepteren (groen) en op Integrate te klikken."
    ),
    "problem.no_dataset_approved": (
        "Tenant {tenant} heeft geen enkele dataset goedgekeurd: vraag datasets aan op het "
        "tabblad Integrations van je applicatie en vraag de klant ze te accepteren (groen) in "
        "de Visma App Store onder My Apps en op Integrate te klikken."
    ),
    "problem.token_endpoint_unreachable": (
        "Het token-endpoint {url} is niet bereikbaar: controleer het netwerk, een proxy of "
        "firewall (HTTPS_PROXY) en de token-URL (die van Visma is "
        "https://connect.visma.com/connect/token)."
    ),
    "problem.token_endpoint_outage": (
        "Het token-endpoint {url} antwoordt met serverfouten (HTTP {status}): Visma Connect "
        "heeft een storing of een proxy faalt; probeer het later opnieuw en controleer de "
        "token-URL."
    ),
    "problem.token_endpoint_wrong": (
        "De token-URL {url} antwoordde HTTP {status}, niet zoals een token-endpoint dat doet: "
        "controleer de token-URL (die van Visma is https://connect.visma.com/connect/token) en "
        "een eventuele proxy ertussen."
    ),
    "problem.api_unreachable": (
        "De API {url} is niet bereikbaar: controleer het netwerk, een proxy of firewall "
        "(HTTPS_PROXY) en de API-URL (die van Visma is https://api.analytics1.hrm.visma.net)."
    ),
    "problem.rate_limited": (
        "Visma bleef 429 Too Many Requests antwoorden voor tenant {tenant}: wacht een paar "
        "minuten en voer de controle opnieuw uit."
    ),
    "problem.server_error": (
        "Visma antwoordde met serverfouten voor tenant {tenant}: probeer het later opnieuw; "
        "controleer de API- en token-URL als het aanhoudt."
    ),
    "problem.token_refused": (
        "Visma Connect weigerde een token voor tenant {tenant} zonder een oorzaak die "
        "visma-hrm herkent; het antwoord was HTTP {status}, {said}. Waarschijnlijke oorzaken, "
        "in deze volgorde: het secret is niet dat van het tabblad Credentials van je applicatie "
        "in de Visma Developer Portal (of de client id niet die van het tabblad Details); de "
        "klant heeft de invitatiecode voor deze database nog niet geaccepteerd in de Visma App "
        "Store (My Apps, daarna Integrate); een dataset die je applicatie aanvraagt is niet "
        "goedgekeurd door de klant (groen onder My Apps) of niet aangevraagd op het tabblad "
        "Integrations."
    ),
    "problem.unexpected": (
        "De controle voor tenant {tenant} stopte op een fout die visma-hrm niet herkent "
        "({error}): voer hem opnieuw uit en meld het met de JSON-uitvoer "
        "(`visma-hrm check --json`) als het blijft gebeuren."
    ),
    "actor.third_party": "derde partij",
    "actor.customer": "klant",
    "actor.visma": "Visma",
    "check.title": "Toegang van client {client_id}",
    "check.col.tenant": "Tenant",
    "check.col.token": "Token",
    "check.col.datasets": "Datasets",
    "check.col.problems": "Problemen",
    "check.problems_heading": "Wat te doen:",
    "check.problem_line": "{number}. [{who}] {sentence}",
    "check.all_ok": "Alles wat is ingesteld is bereikbaar.",
    "check.not_ok": "Niet alles wat is ingesteld is bereikbaar: zie de problemen hierboven.",
    "check.none": "geen",
    "status.yes": "ja",
    "status.no": "nee",
    "status.approved": "goedgekeurd",
    "status.refused": "afgewezen",
    "status.unknown": "niet gecontroleerd",
    "status.token_unknown": "?",
    "check.all": "alle",
    "datasets.title": "Datasets van de Visma.net HRM analytics-API",
    "datasets.col.name": "Dataset",
    "datasets.col.table": "Tabel",
    "datasets.col.scope": "Scope",
    "datasets.col.key": "Primaire sleutel",
    "datasets.col.columns": "Kolommen",
    "datasets.col.column": "Kolom",
    "datasets.col.type": "Type",
    "datasets.col.personal": "Persoonsgegevens (AVG)",
    "datasets.columns_count": "{count} kolommen",
    "datasets.personal_contact": "ja, privécontact",
    "datasets.key_note": "tenant_id hoort altijd bij de sleutel.",
    "datasets.no_credentials": (
        "Geen inloggegevens ingesteld: goedkeuringen per tenant worden niet getoond (voer "
        "`visma-hrm init` uit)."
    ),
    "datasets.unknown": "Onbekende dataset {name}; bekende datasets: {known}.",
    "init.intro": (
        "visma-hrm instellen. Je hebt nodig, uit je applicatie in de Visma Developer Portal: de "
        "client id (tabblad Details), het secret (tabblad Credentials) en de tenant id van elke "
        "database van de klant (Integrations > Customers)."
    ),
    "init.prompt.client_id": "Client id (isv_..., tabblad Details)",
    "init.prompt.secret": "Client secret (tabblad Credentials; niet zichtbaar tijdens het typen)",
    "init.prompt.tenants": "Tenant ids, gescheiden door komma's (Integrations > Customers)",
    "init.secret_from_env": "Het client secret uit VISMA_HRM_CLIENT_SECRET wordt gebruikt.",
    "init.validating": "Deze gegevens worden gecontroleerd bij {token_url} ...",
    "init.valid": "De gegevens werken.",
    "init.invalid": "De controle vond problemen; de configuratie werkt nog niet.",
    "init.confirm_write_anyway": "De configuratie toch opslaan?",
    "init.confirm_overwrite": "{path} bestaat al. Vervangen?",
    "init.exists": "{path} bestaat al; gebruik --force om het te vervangen.",
    "init.written": (
        "{config} en het secrets-bestand {secrets} (alleen door jou leesbaar) zijn opgeslagen."
    ),
    "init.not_written": "Er is niets opgeslagen.",
    "init.missing": (
        "--non-interactive heeft {what} nodig; het secret komt uit VISMA_HRM_CLIENT_SECRET of, "
        "met --secret-stdin, uit standaardinvoer (nooit uit een optie)."
    ),
    "init.what.client_id": "--client-id",
    "init.what.tenant": "minstens één --tenant",
    "init.what.secret": "een secret",
    "init.empty_secret": "Het secret is leeg.",
    "error.line": "fout ({code}): {message}",
    "warning.line": "waarschuwing: {message}",
    "error.lang": "Onbekende taal {value}; kies uit: {known}.",
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
    "analytics.as_of": (
        "Peildatum {date}: de laatste datum in de data, toen de nieuwste export werd gemaakt "
        "(--as-of voor een andere datum, --as-of today om de kalender te volgen)."
    ),
    "analytics.views": "Views in schema [bold]{schema}[/]: {views}",
    "analytics.tenant": "tenant {tenant}\nheadcount {headcount}, fte {fte} op {date}",
    "analytics.col.month": "maand",
    "analytics.col.headcount": "headcount",
    "analytics.col.fte": "fte",
    "analytics.col.inflow": "instroom",
    "analytics.col.rehires": "terugkeer",
    "analytics.col.outflow": "uitstroom",
    "analytics.col.transfers": "doorstroom",
    "analytics.no_contracts": "Geen contracten gevonden: nog niets te tellen.",
    "analytics.next": (
        "Verder met SQL: SELECT * FROM {schema}.headcount_monthly_total ORDER BY 1, 2;"
    ),
    "demo.sandbox_running": "Sandbox draait op {url} met tenants {tenants}",
    "demo.clock_moved": (
        "De klok van de sandbox is 30 dagen vooruitgezet: indiensttredingen, "
        "contractwijzigingen, uitdiensttredingen."
    ),
    "demo.step.full": "1. Volledige sync",
    "demo.step.incremental": "2. Incrementele sync, een maand later",
    "demo.counts.title": "Rijen in de database (actueel / gemarkeerd als verwijderd)",
    "demo.counts.col.table": "tabel",
    "demo.counts.col.tenant": "tenant",
    "demo.counts.col.current": "actueel",
    "demo.counts.col.deleted": "verwijderd",
    "demo.next": (
        "\n[bold]Verder zoeken[/] met de duckdb-module van Python (.venv/bin/python):\n{code}\n"
        "Tabellen in schema {schema}: {tables}\n"
        "Rijen die bij de bron zijn verdwenen, krijgen bij een volledige export "
        "_visma_deleted = true (`visma-hrm sync --full-refresh`). "
        "De analytics-views opnieuw maken: `visma-hrm analytics --duckdb-path {path}`."
    ),
    "demo.analytics": (
        "\n[bold]HR-analytics[/] (personen, contracthistorie, headcount, fte, in-, door- en "
        "uitstroom) op peildatum {date}: de laatste datum in de data (toen de sandbox ze "
        "exporteerde, volgens zijn eigen klok), niet vandaag. `visma-hrm analytics` zonder "
        "--as-of doet hetzelfde."
    ),
    "demo.report": "\n[bold]HR-rapportage[/] (open het bestand in een browser)\n  {path}",
    "demo.not_duckdb": "{path} bestaat en is geen DuckDB-bestand; kies een andere --duckdb-path.",
    "demo.not_ours": (
        "{path} bestaat en is niet door de demo gemaakt; de demo overschrijft het niet. Kies "
        "een andere --duckdb-path, of geef --force om het te vervangen."
    ),
    "sandbox.admin": "{url}/sandbox/ (clock/advance, faults, tenants, truth)",
    "sandbox.running": "Sandbox draait; Ctrl-C om te stoppen.",
    "sandbox.stopped": "Sandbox gestopt.",
    "sandbox.cannot_listen": (
        "Kan niet luisteren op {host}:{port}: {reason}. Probeer een andere --port."
    ),
}

CATALOG: Mapping[str, Mapping[str, str]] = {"en": _EN, "nl": _NL}


def normalize_lang(lang: str | None) -> str:
    """``nl``, ``NL``, ``nl_NL.UTF-8`` -> ``nl``; anything unknown or empty -> English."""
    if not lang:
        return DEFAULT_LANG
    short = lang.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return short if short in CATALOG else DEFAULT_LANG


def is_known_lang(lang: str) -> bool:
    return lang.strip().lower() in CATALOG


def text(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The message ``key`` in ``lang`` (English if missing there), filled with ``values``."""
    template = CATALOG[normalize_lang(lang)].get(key) or _EN[key]
    return template.format(**values)


def number(value: object, lang: str = DEFAULT_LANG, grouping: bool = True) -> str:
    """A count or decimal as the reader writes it: ``1,234.5`` in English, ``1.234,5`` in
    Dutch, where ``1,234`` would read as a fraction. ``grouping`` adds thousands separators
    to whole numbers."""
    if isinstance(value, int) and not isinstance(value, bool) and grouping:
        shown = f"{value:,}"
    else:
        shown = str(value)
    if normalize_lang(lang) != "nl":
        return shown
    return shown.translate(str.maketrans(",.", ".,"))


def placeholders(template: str) -> set[str]:
    """Names a template expects; used by the test that keeps both languages in step."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def env_lang() -> str | None:
    """``VISMA_HRM_LANG`` when set, for messages printed before settings could be loaded."""
    return os.environ.get("VISMA_HRM_LANG") or None
