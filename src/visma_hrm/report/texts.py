"""The report's words in English and Dutch: labels, and the definition behind every figure.

The definitions say exactly what ``docs/analytics.md`` says, in words an HR manager reads; each
figure of the report links to one of them (hover or click).
"""

from __future__ import annotations

from visma_hrm.report import workforce_texts

MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "HR report",
        "tenants": "Tenants",
        "tenant": "Tenant",
        "period": "Period",
        "as_of": "measured on",
        "generated": "Generated",
        "persons": "Headcount (persons)",
        "employments": "Employments",
        "fte": "FTE",
        "inflow": "Inflow (persons)",
        "outflow": "Outflow (persons)",
        "employments_started": "Employments started",
        "employments_ended": "Employments ended",
        "turnover": "Turnover rate",
        "period_turnover": "Turnover over the period",
        "headcount_chart": "Headcount and FTE per month",
        "flows_chart": "Inflow, outflow and turnover per month",
        "units": "Per organisation unit",
        "unit": "Unit",
        "trend": "Headcount trend",
        "change": "Change",
        "contract_mix": "Contract type mix",
        "age_gender": "Age and gender",
        "age": "Age",
        "male": "Men",
        "female": "Women",
        "unknown": "Unknown",
        "ending": "Temporary contracts ending in the next 90 days",
        "starting": "Hires starting in the next 90 days",
        "name": "Name",
        "employeeid": "Employee id",
        "function": "Function",
        "end_date": "End date",
        "start_date": "Start date",
        "days": "Days",
        "none": "None.",
        "monthly_table": "All figures per month",
        "month": "Month",
        "definitions": "Definitions",
        "definition": "Definition",
        "at_end": "at the end of the period",
        "in_period": "in the period",
        "vs_begin": "vs. start of period",
        "footer": "Made by visma-hrm from Visma.net HRM & Payroll analytics exports. "
        "Charts by plotly.js, embedded in this file: it opens without a network. "
        "The action lists hold names: share this file like any HR document.",
        "Indefinite": "Permanent",
        "Fixed term": "Temporary",
        "axis_month": "Month",
        "axis_headcount": "Number (persons, employments) · FTE",
        "axis_flows": "Persons per month",
        "axis_turnover": "Turnover (% of average headcount)",
        "axis_age": "Age (years)",
        "axis_persons": "Persons",
        "pie_total": "{count} employments",
        "mtd": "month to date",
        "mtd_note": "{month}: month to date, up to {date} (hatched, shaded)",
        "tenant_id": "Tenant id",
        "companies": "Companies",
    },
    "nl": {
        "title": "HR-rapportage",
        "tenants": "Omgevingen",
        "tenant": "Omgeving",
        "period": "Periode",
        "as_of": "gemeten op",
        "generated": "Gemaakt",
        "persons": "Bezetting (personen)",
        "employments": "Dienstverbanden",
        "fte": "FTE",
        "inflow": "Instroom (personen)",
        "outflow": "Uitstroom (personen)",
        "employments_started": "Dienstverbanden begonnen",
        "employments_ended": "Dienstverbanden beëindigd",
        "turnover": "Verloop",
        "period_turnover": "Verloop over de periode",
        "headcount_chart": "Bezetting en FTE per maand",
        "flows_chart": "Instroom, uitstroom en verloop per maand",
        "units": "Per organisatie-eenheid",
        "unit": "Eenheid",
        "trend": "Verloop bezetting",
        "change": "Verschil",
        "contract_mix": "Soort contract",
        "age_gender": "Leeftijd en geslacht",
        "age": "Leeftijd",
        "male": "Mannen",
        "female": "Vrouwen",
        "unknown": "Onbekend",
        "ending": "Tijdelijke contracten die in de komende 90 dagen aflopen",
        "starting": "Nieuwe medewerkers die in de komende 90 dagen beginnen",
        "name": "Naam",
        "employeeid": "Medewerkernummer",
        "function": "Functie",
        "end_date": "Einddatum",
        "start_date": "Begindatum",
        "days": "Dagen",
        "none": "Geen.",
        "monthly_table": "Alle cijfers per maand",
        "month": "Maand",
        "definitions": "Definities",
        "definition": "Definitie",
        "at_end": "aan het eind van de periode",
        "in_period": "in de periode",
        "vs_begin": "t.o.v. begin periode",
        "footer": "Gemaakt door visma-hrm uit de analytics-exports van Visma.net HRM & Payroll. "
        "Grafieken met plotly.js, ingebouwd in dit bestand: het opent zonder netwerk. "
        "De actielijsten bevatten namen: deel dit bestand als elk ander HR-document.",
        "Indefinite": "Vast (onbepaalde tijd)",
        "Fixed term": "Tijdelijk (bepaalde tijd)",
        "axis_month": "Maand",
        "axis_headcount": "Aantal (personen, dienstverbanden) · FTE",
        "axis_flows": "Personen per maand",
        "axis_turnover": "Verloop (% van gemiddelde bezetting)",
        "axis_age": "Leeftijd (jaren)",
        "axis_persons": "Personen",
        "pie_total": "{count} dienstverbanden",
        "mtd": "maand tot nu toe",
        "mtd_note": "{month}: maand tot nu toe, tot en met {date} (gearceerd, grijze band)",
        "tenant_id": "Omgevings-id",
        "companies": "Bedrijven",
    },
}

DEFINITIONS: dict[str, dict[str, str]] = {
    "en": {
        "period": "The months (12 unless chosen otherwise) ending with the month of the "
        "measuring date (that month up to the measuring date). By default the measuring "
        "date is the last day the data has a change on.",
        "persons": "Distinct persons with a valid contract version on the reference date (the "
        "last day of the month, or the measuring date in its month). A person with two "
        "contracts counts once. Visma's employee numbers of one person (one per contract) are "
        "grouped by initials, gender, date of birth and birth name. Shown at the end of the "
        "period, as AFAS and Nmbrs dashboards do.",
        "employments": "Contracts (employee number + contract) with a valid version on the "
        "reference date: jobs, as CBS counts them. A person with two contracts counts twice.",
        "fte": "Sum of the part-time factor (1 = full-time) of every contract version valid on "
        "the reference date. A person with two contracts counts with both.",
        "inflow": "Persons whose employment starts in the month (from its first day to the "
        "reference date). Employment runs on across contracts without a gap: a renewed "
        "contract is not a hire.",
        "outflow": "Persons whose employment ends in the month (last day employed between the "
        "first day and the reference date). A renewal without a gap is not a leave.",
        "employments_started": "Contracts whose first version starts in the month.",
        "employments_ended": "Contracts whose last version ends in the month.",
        "turnover": "Outflow / average headcount x 100, the average being (headcount at the "
        "start + headcount at the end) / 2. Per month: the start is the previous month's "
        "reference date. Over the period: all leavers of its months, the start being the "
        "last day of the month before the period.",
        "units": "Headcount of each current organisation unit including all units below it "
        "(following today's tree), on each month's reference date. A person in two teams of "
        "one department counts once there. FTE at the end of the period. Units down to level 3.",
        "contract_mix": "Employments valid at the end of the period by Visma's contract type "
        "indication: permanent (indefinite) or temporary (fixed term).",
        "age_gender": "Persons employed at the end of the period, by age (the year of that "
        "day minus the birth year, as CBS counts 'leeftijd op 31 december') and by gender as "
        "registered in Visma (M, V).",
        "ending": "Contracts of the type 'fixed term' whose last version ends within 90 days "
        "after the measuring date: decide on renewal.",
        "starting": "Persons whose employment starts within 90 days after the measuring date "
        "(hires registered ahead; a renewal is not a hire).",
    },
    "nl": {
        "period": "De maanden (12, tenzij anders gekozen) tot en met de maand van de peildatum "
        "(die maand tot de peildatum). Standaard is de peildatum de laatste dag waarop de "
        "gegevens een wijziging hebben.",
        "persons": "Unieke personen met een geldige contractversie op de peildatum van de maand "
        "(de laatste dag, of de peildatum in die maand). Iemand met twee contracten telt één "
        "keer. De medewerkernummers van één persoon (één per contract) worden samengevoegd op "
        "voorletters, geslacht, geboortedatum en geboortenaam. Getoond aan het eind van de "
        "periode, zoals AFAS en Nmbrs doen.",
        "employments": "Contracten (medewerkernummer + contract) met een geldige versie op de "
        "peildatum: banen, zoals het CBS telt. Iemand met twee contracten telt twee keer.",
        "fte": "Som van de deeltijdfactor (1 = voltijd) van alle contractversies die op de "
        "peildatum gelden. Iemand met twee contracten telt met beide.",
        "inflow": "Personen van wie het dienstverband in de maand begint (eerste dag tot de "
        "peildatum). Een dienstverband loopt door over contracten zonder onderbreking: een "
        "verlengd contract is geen instroom.",
        "outflow": "Personen van wie het dienstverband in de maand eindigt (laatste werkdag "
        "tussen de eerste dag en de peildatum). Verlenging zonder onderbreking is geen uitstroom.",
        "employments_started": "Contracten waarvan de eerste versie in de maand begint.",
        "employments_ended": "Contracten waarvan de laatste versie in de maand eindigt.",
        "turnover": "Uitstroom / gemiddelde bezetting x 100, met als gemiddelde (bezetting aan "
        "het begin + bezetting aan het eind) / 2. Per maand: het begin is de peildatum van de "
        "vorige maand. Over de periode: alle vertrekkers van die maanden, met als begin de "
        "laatste dag van de maand vóór de periode.",
        "units": "Bezetting van elke huidige organisatie-eenheid inclusief alle eenheden eronder "
        "(volgens de huidige boom), op de peildatum van elke maand. Iemand in twee teams van één "
        "afdeling telt daar één keer. FTE aan het eind van de periode. Eenheden tot niveau 3.",
        "contract_mix": "Dienstverbanden aan het eind van de periode naar de contractsoort van "
        "Visma: vast (onbepaalde tijd) of tijdelijk (bepaalde tijd).",
        "age_gender": "Personen in dienst aan het eind van de periode, naar leeftijd (het jaar "
        "van die dag min het geboortejaar, zoals het CBS 'leeftijd op 31 december' telt) en "
        "geslacht zoals vastgelegd in Visma (M, V).",
        "ending": "Contracten voor bepaalde tijd waarvan de laatste versie binnen 90 dagen na "
        "de peildatum eindigt: beslis over verlenging.",
        "starting": "Personen van wie het dienstverband binnen 90 dagen na de peildatum begint "
        "(vooraf ingevoerde indiensttredingen; een verlenging telt niet).",
    },
}

for _lang in LABELS:  # the HR-number sections' words and definitions, kept in their own module
    LABELS[_lang].update(workforce_texts.LABELS[_lang])
    DEFINITIONS[_lang].update(workforce_texts.DEFINITIONS[_lang])
