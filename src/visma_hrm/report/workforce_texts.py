"""The words of the report's HR-number sections in English and Dutch, and the definition of
each number with its source (CBS, or the convention of AFAS or Nmbrs; where neither defines
it, the rule is said to be visma-hrm's own). ``texts`` merges them into the page's words.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "workforce": "Workforce composition",
        "fixed_term_share": "Fixed-term share",
        "fixed_term_fte_share": "Fixed-term share of FTE",
        "service_avg": "Average length of service",
        "age_avg": "Average age",
        "part_time_share": "Part-time",
        "span_avg": "Span of control",
        "flex_chart": "Flexible workforce per month",
        "service_chart": "Length of service",
        "part_time_chart": "Part-time factor",
        "gender_chart": "Gender",
        "span_chart": "Direct reports per manager",
        "org_chart": "The organisation",
        "years": "years",
        "of_persons": "of persons",
        "of_fte": "of FTE",
        "managers_n": "{count} managers",
        "fixed_term_headcount_series": "% of headcount",
        "fixed_term_fte_series": "% of FTE",
        "axis_share": "Fixed-term (% of total)",
        "axis_service": "Completed years of service",
        "axis_part_time": "Part-time factor (% of full time)",
        "axis_reports": "Direct reports",
        "axis_managers": "Managers",
        "colour_fixed_term": "Fixed-term %",
        "persons_n": "{count} persons",
        "fixed_term_col": "Fixed-term",
        "permanent": "Permanent",
        "fixed_term": "Fixed-term",
    },
    "nl": {
        "workforce": "Samenstelling personeelsbestand",
        "fixed_term_share": "Flexibele schil",
        "fixed_term_fte_share": "Flexibele schil in FTE",
        "service_avg": "Gemiddelde diensttijd",
        "age_avg": "Gemiddelde leeftijd",
        "part_time_share": "Deeltijd",
        "span_avg": "Span of control",
        "flex_chart": "Flexibele schil per maand",
        "service_chart": "Diensttijd",
        "part_time_chart": "Deeltijdfactor",
        "gender_chart": "Geslacht",
        "span_chart": "Directe medewerkers per leidinggevende",
        "org_chart": "De organisatie",
        "years": "jaar",
        "of_persons": "van de personen",
        "of_fte": "van de FTE",
        "managers_n": "{count} leidinggevenden",
        "fixed_term_headcount_series": "% van de bezetting",
        "fixed_term_fte_series": "% van de FTE",
        "axis_share": "Bepaalde tijd (% van totaal)",
        "axis_service": "Volle dienstjaren",
        "axis_part_time": "Deeltijdfactor (% van voltijd)",
        "axis_reports": "Directe medewerkers",
        "axis_managers": "Leidinggevenden",
        "colour_fixed_term": "Bepaalde tijd %",
        "persons_n": "{count} personen",
        "fixed_term_col": "Bepaalde tijd",
        "permanent": "Vast",
        "fixed_term": "Bepaalde tijd",
    },
}

DEFINITIONS: dict[str, dict[str, str]] = {
    "en": {
        "fixed_term_share": "The flexible workforce ('flexibele schil'): persons with at least "
        "one fixed-term contract (Visma's contract type 'Fixed term') as a share of headcount, "
        "and the FTE of fixed-term contracts as a share of all FTE, on the reference date. "
        "Source: common Dutch HR usage; CBS counts fixed-term, on-call, temp and intern jobs as "
        "flexible jobs (Statistiek werkgelegenheid en lonen).",
        "service_avg": "Length of service: from the first day of the person's current "
        "employment (renewals without a gap continue it) to the reference date. Average: total "
        "years of service / headcount (days / 365.25). Bands in completed years. Source: there "
        "is no CBS definition; this is the usual formula (e.g. MVO Vlaanderen), bands are "
        "visma-hrm's.",
        "age_avg": "Age: the year of the reference date minus the year of birth, the age "
        "reached in that year, as CBS defines 'leeftijd op 31 december'. It needs the birth year "
        "only, so the pseudonymize privacy profile gives the same numbers. Bands of ten years "
        "from 25.",
        "gender_chart": "Persons at the end of the period by gender as registered in Visma "
        "(M = men, V or F = women, anything else unknown), from the person's latest record.",
        "part_time_share": "The part-time factors of a person's contracts on the reference date "
        "added up (1 = the contract's full-time week). Below 100% is part-time, as CBS defines a "
        "part-time job ('deeltijdbaan': fewer agreed hours than a full working week). Bands are "
        "visma-hrm's; CBS groups by hours (12-20, 20-28, 28-35, 35+).",
        "span_avg": "Span of control: the persons whose contract version on the reference date "
        "names a manager (manageruserid, through the users to the manager's person), never "
        "counting a manager as their own report. Per manager: distinct direct reports; per "
        "unit or tenant: persons with a manager / managers. visma-hrm's rule (no CBS definition).",
        "flex_chart": "The fixed-term share of headcount and of FTE on each month's reference "
        "date (see 'Fixed-term share').",
        "org_chart": "Today's units as a tree, each sized by the persons with a contract version "
        "in it at the end of the period (units below level 3 count in their level-3 unit) and "
        "coloured by the fixed-term share of the unit with everything below it. Click a unit "
        "to zoom in.",
    },
    "nl": {
        "fixed_term_share": "De flexibele schil: personen met ten minste één contract voor "
        "bepaalde tijd (contractsoort 'Fixed term' in Visma) als deel van de bezetting, en de "
        "FTE van contracten voor bepaalde tijd als deel van alle FTE, op de peildatum. Bron: "
        "gangbaar in Nederlands HR; het CBS telt banen voor bepaalde tijd, oproep-, uitzend- en "
        "stagebanen als flexbanen (Statistiek werkgelegenheid en lonen).",
        "service_avg": "Diensttijd: van de eerste dag van het huidige dienstverband (verlenging "
        "zonder onderbreking telt door) tot de peildatum. Gemiddelde: totaal aantal dienstjaren "
        "/ bezetting (dagen / 365,25). Klassen in volle jaren. Bron: het CBS definieert het niet; "
        "dit is de gangbare formule (bijv. MVO Vlaanderen), de klassen zijn van visma-hrm.",
        "age_avg": "Leeftijd: het jaar van de peildatum min het geboortejaar, de leeftijd die in "
        "dat jaar wordt bereikt, zoals het CBS 'leeftijd op 31 december' definieert. Alleen het "
        "geboortejaar is nodig, dus het privacyprofiel pseudonymize geeft dezelfde cijfers. "
        "Klassen van tien jaar vanaf 25.",
        "gender_chart": "Personen aan het eind van de periode naar geslacht zoals vastgelegd in "
        "Visma (M = mannen, V of F = vrouwen, anders onbekend), uit het laatste record.",
        "part_time_share": "De deeltijdfactoren van iemands contracten op de peildatum opgeteld "
        "(1 = de volledige werkweek van het contract). Onder 100% is deeltijd, zoals het CBS een "
        "deeltijdbaan definieert (minder overeengekomen uren dan een volledige werkweek). De "
        "klassen zijn van visma-hrm; het CBS deelt in naar uren (12-20, 20-28, 28-35, 35+).",
        "span_avg": "Span of control: de personen van wie de contractversie op de peildatum een "
        "leidinggevende noemt (manageruserid, via de gebruikers naar de persoon), nooit iemand "
        "als eigen medewerker. Per leidinggevende: unieke directe medewerkers; per eenheid of "
        "omgeving: personen met een leidinggevende / leidinggevenden. Regel van visma-hrm (het "
        "CBS definieert het niet).",
        "flex_chart": "Het aandeel bepaalde tijd in de bezetting en in de FTE op de peildatum "
        "van elke maand (zie 'Flexibele schil').",
        "org_chart": "De huidige eenheden als boom, elk zo groot als het aantal personen met een "
        "contractversie erin aan het eind van de periode (eenheden onder niveau 3 tellen mee in "
        "hun eenheid op niveau 3) en gekleurd naar het aandeel bepaalde tijd van de eenheid met "
        "alles eronder. Klik op een eenheid om in te zoomen.",
    },
}
