"""``check``, ``init`` and ``datasets``: the problems a diagnosis finds (one plain sentence each,
with the fix and who must act), the check table, the dataset catalog and init's questions.

Translated in full: the users are Dutch organisations whose people follow a Dutch manual; a
diagnosis that names the manual's steps in their language ("Integrations > Customers", "My
Apps", "groen/grijs") is one they can act on without translating. The names of portal tabs
and App Store buttons stay in English in both languages, because that is how the portal
shows them.

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
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
    "init.confirm_overwrite": (
        "{path} exists. Set its client id, tenants and URLs (its other settings stay)?"
    ),
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
}

NL: dict[str, str] = {
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
    "init.confirm_overwrite": (
        "{path} bestaat al. Client id, tenants en URL's erin zetten (de andere instellingen "
        "blijven)?"
    ),
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
}
