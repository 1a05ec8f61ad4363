"""Deterministic synthetic Dutch HR data, generated per person on demand.

A person's base rows are a pure function of (seed, tenant, person index): nothing about the
base population is stored, so an export of a million rows streams from this generator and
never sits in memory. Names, streets and cities come from Faker's ``nl_NL`` word lists,
sampled once into pools; each person then draws from a ``random.Random`` seeded with its own
index (Faker per row would be far too slow for a million rows).

The shape follows what real exports show (``docs/sandbox.md``): a new employeeid per
contract of the same person, several subcontracts (versions) per contract, more than one
employees row per employeeid, organization units with history rows, managers through users.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from visma_hrm.sandbox.clock import TICKS_PER_DAY, TICKS_PER_SECOND, date_ticks, format_ticks

T = TypeVar("T")
Row = dict[str, str | None]
Stamped = tuple[Row, int]
"""A row and its change timestamp (ticks)."""

# Code tables: (Dutch label, English label).
FUNCTIONS = [
    ("Medewerker financiële administratie", "Financial administration clerk"),
    ("Teamleider", "Team leader"),
    ("Verpleegkundige", "Nurse"),
    ("Beleidsmedewerker", "Policy officer"),
    ("Applicatiebeheerder", "Application administrator"),
    ("Docent", "Teacher"),
    ("Medewerker klantenservice", "Customer service employee"),
    ("Controller", "Controller"),
    ("HR-adviseur", "HR advisor"),
    ("Magazijnmedewerker", "Warehouse employee"),
    ("Projectleider", "Project manager"),
    ("Secretaresse", "Secretary"),
    ("Verzorgende IG", "Certified carer"),
    ("Hoofd bedrijfsvoering", "Head of operations"),
]
TEMPORARY = 1
"""Index of the temporary (fixed-term) employment type in ``EMPTYPES``."""
EMPTYPES = [
    ("Vast", "Permanent"),
    ("Tijdelijk", "Temporary"),
    ("Oproepkracht", "On-call worker"),
    ("Stagiair", "Intern"),
]
END_REASONS = [
    ("01", "Eigen verzoek werknemer", "Employee's own request"),
    ("02", "Einde tijdelijk contract", "End of temporary contract"),
    ("03", "Pensioen", "Retirement"),
    ("04", "Wederzijds goedvinden", "Mutual agreement"),
    ("05", "Ontslag tijdens proeftijd", "Dismissal during probation"),
    ("06", "Overlijden", "Death"),
]
EXPERTISES = [
    ("Financiën", "Finance"),
    ("ICT", "IT"),
    ("Zorg", "Care"),
    ("Onderwijs", "Education"),
    ("Personeel & Organisatie", "Human resources"),
]
DEPARTMENTS = [
    ("Financiën", "Finance"),
    ("Personeelszaken", "Human Resources"),
    ("ICT", "IT"),
    ("Zorg", "Care"),
    ("Verkoop", "Sales"),
    ("Inkoop", "Purchasing"),
    ("Logistiek", "Logistics"),
    ("Facilitaire Dienst", "Facilities"),
    ("Communicatie", "Communications"),
    ("Juridische Zaken", "Legal Affairs"),
    ("Klantenservice", "Customer Service"),
    ("Onderzoek & Ontwikkeling", "Research & Development"),
    ("Kwaliteit", "Quality"),
    ("Planning", "Planning"),
]
NATIONALITIES = [
    ("Nederlandse", "Dutch"),
    ("Belgische", "Belgian"),
    ("Duitse", "German"),
    ("Turkse", "Turkish"),
    ("Marokkaanse", "Moroccan"),
    ("Poolse", "Polish"),
    ("Surinaamse", "Surinamese"),
]
MARITAL = [
    ("1", "Ongehuwd"),
    ("2", "Gehuwd"),
    ("3", "Geregistreerd partnerschap"),
    ("4", "Gescheiden"),
    ("5", "Weduwe/weduwnaar"),
]
NAME_USAGES = [
    ("0", "Eigen naam", "Own name"),
    ("1", "Naam partner", "Partner's name"),
    ("2", "Eigen naam - naam partner", "Own name - partner's name"),
    ("3", "Naam partner - eigen naam", "Partner's name - own name"),
]
TITLES_BEFORE = [("mr.", "LLM"), ("drs.", "MSc"), ("ir.", "MSc"), ("dr.", "PhD")]
TITLES_AFTER = [("MSc", "MSc"), ("MBA", "MBA"), ("BSc", "BSc")]
EMPLOYEE_GROUPS = [
    ("1", "Medewerkers", "Employees"),
    ("2", "Management", "Management"),
    ("3", "Flexibele schil", "Flexible workforce"),
]
CAOS = [
    ("CAO Gemeenten", "0011"),
    ("CAO Ziekenhuizen", "0126"),
    ("CAO VVT", "0720"),
    ("CAO Sociaal Werk", "0914"),
]
UDF_EMPLOYEE = [
    ("Opleidingsniveau", "Opleidingsniveaus", "3", ["VMBO", "MBO", "HBO", "WO"]),
    ("Leaseauto", None, "2", ["True", "False"]),
    ("Thuiswerkdagen", None, "4", ["0", "1", "2", "3"]),
    ("BHV", None, "2", ["True", "False"]),
]
UDF_CONTRACT = [
    ("Thuiswerkvergoeding", None, "4", ["2.35", "2.40", "2.45"]),
    ("Reiskostenregeling", "Reiskosten", "3", ["Vast bedrag", "Per kilometer", "OV"]),
]
PT_FACTORS = [1.0, 1.0, 1.0, 1.0, 0.8889, 0.8, 0.7222, 0.6667, 0.6, 0.5556, 0.5, 0.4444]
FULL_WEEK_HOURS = 36.0
NO_POSTAL_ADDRESS: dict[str, str | None] = dict.fromkeys(
    f"postal{part}"
    for part in (
        "street",
        "housenumber",
        "housenumberext",
        "zipcode",
        "city",
        "country",
        "country_en",
    )
)
"""Nobody in the sandbox has a postal address apart from the home address: all empty."""
MAIL_DOMAINS = ["gmail.com", "hotmail.com", "outlook.com", "ziggo.nl", "kpnmail.nl", "live.nl"]


@dataclass(frozen=True)
class Pools:
    """Word lists sampled once from Faker ``nl_NL`` (fixed seed: the same on every run)."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (tussenvoegsel, name)
    streets: tuple[str, ...]
    cities: tuple[str, ...]
    companies: tuple[str, ...]


@functools.cache
def pools() -> Pools:
    from faker import Faker
    from faker.providers.person.nl_NL import Provider as NlPerson

    fake = Faker("nl_NL")
    fake.seed_instance(20260101)
    surnames = []
    for full in sorted(set(NlPerson.last_names)):
        words = full.split(" ")
        split = next((k for k, w in enumerate(words) if w[:1].isupper()), 0)
        surnames.append((" ".join(words[:split]), " ".join(words[split:])))
    return Pools(
        male=tuple(sorted(set(NlPerson.first_names_male))),
        female=tuple(sorted(set(NlPerson.first_names_female))),
        surnames=tuple(surnames),
        streets=tuple(fake.street_name() for _ in range(400)),
        cities=tuple(fake.city() for _ in range(200)),
        companies=tuple(fake.company() for _ in range(50)),
    )


class FastRandom(random.Random):
    """``random.Random`` with cheaper integer draws: a million rows need ~40 M of them.

    ``randrange`` and ``choice`` scale one ``random()`` float instead of rejection sampling;
    the bias (below 2**-40 for our ranges) does not matter for synthetic data.
    """

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]


def stable_int(*parts: object) -> int:
    """A 64-bit integer derived from the parts; stable across runs (unlike ``hash``)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def ascii_fold(text: str) -> str:
    """``Esmée van 't Hof`` -> ``esmeevanthof``: e-mail local parts have no diacritics."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def dec(value: float, places: int) -> str:
    return f"{value:.{places}f}"


def _date(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _stamp(rng: random.Random, day_ordinal: int) -> int:
    """A change timestamp on a day, at an office hour, with all 7 fractional digits used."""
    base = date_ticks(dt.date.fromordinal(day_ordinal))
    return base + rng.randrange(7 * 3600, 19 * 3600) * TICKS_PER_SECOND + rng.randrange(10**7)


@dataclass(frozen=True)
class Unit:
    """One organization unit (its current attributes; history rows are derived)."""

    orgunitid: str
    parent: str | None
    kind: str
    name: str
    name_en: str
    costcenter: int
    versions: int


@dataclass
class Sub:
    """One subcontract: a version of a contract from ``start`` (ordinal) to ``end``."""

    start: int
    end: int | None
    unit: int
    ptfactor: float
    scale: int
    step: int
    function: int
    ts: int


@dataclass
class Employment:
    """One contract of a person, under its own employeeid (as Visma does)."""

    k: int
    start: int
    end: int | None
    endreason: int | None
    emptype: int
    subs: list[Sub]
    ts: int


@dataclass
class Hire:
    """A person hired while the sandbox runs: starts on ``day`` (ordinal), recorded at ``ts``."""

    day: int
    ts: int


@dataclass
class Core:
    """What every dataset of one person is built from."""

    index: int
    male: bool
    firstname: str
    initials: str
    prefix: str
    surname: str
    partner: tuple[str, str] | None
    dob: int
    nationality: int
    marital: int
    nameusage: int
    title_before: int | None
    title_after: int | None
    group: int
    company: int
    street: str
    housenumber: int
    ext: str | None
    zipcode: str
    city: str
    moved: tuple[str, int, str, str, int] | None  # street, nr, zip, city, ts: a 2nd version
    phone_seed: int
    other_address: str | None
    employments: list[Employment] = field(default_factory=list)
    has_user: bool = False


class TenantData:
    """The base population and metadata of one tenant."""

    def __init__(
        self, seed: int, index: int, tenant_id: str, persons: int, start_ticks: int
    ) -> None:
        self.seed = seed
        self.index = index
        self.tenant_id = tenant_id
        self.persons = persons
        self.start_ticks = start_ticks
        self.start_day = dt.date(1970, 1, 1).toordinal() + start_ticks // TICKS_PER_DAY
        rng = random.Random(stable_int(seed, index, "tenant"))
        self.odporgid = str(rng.randrange(1_000_000, 9_999_999))
        p = pools()
        self.companies = [
            (str(100 + c), p.companies[rng.randrange(len(p.companies))]) for c in range(3)
        ]
        # One company with a comma in its name: the CSV must quote it.
        self.companies[2] = (self.companies[2][0], f"{self.companies[2][1]}, locatie Noord")
        self.cao = CAOS[rng.randrange(len(CAOS))]
        self.n_units = max(4, min(persons // 8, 2000))
        self.n_costcenters = max(3, min(self.n_units // 2, 500))
        self.cost_centers = [self._cost_center(c) for c in range(self.n_costcenters)]
        self.units = [self._unit(u, rng) for u in range(self.n_units)]
        self._managers: dict[int, tuple[str, str]] = {}
        self._unit_fields: dict[int, Row] = {}

    # ------------------------------------------------------------------ metadata
    def _cost_center(self, c: int) -> tuple[str, str, str]:
        nl, en = DEPARTMENTS[c % len(DEPARTMENTS)]
        n = c // len(DEPARTMENTS) + 1
        return (str(4000 + 10 * c), f"Kostenplaats {nl} {n}", f"Cost centre {en} {n}")

    def manager_of(self, unit: int) -> tuple[str, str]:
        """(manageruserid, managername) of a unit: its manager is person ``unit % persons``."""
        found = self._managers.get(unit)
        if found is None:
            person = unit % self.persons
            found = self._managers[unit] = (self.userid(person), formatted_name(self.core(person)))
        return found

    def userid(self, person: int) -> str:
        return str(700000 + person)

    def _unit(self, u: int, rng: random.Random) -> Unit:
        nl, en = DEPARTMENTS[u % len(DEPARTMENTS)]
        city = pools().cities[stable_int(self.seed, self.index, "unitcity", u) % 200]
        if u == 0:
            kind, name, name_en = "Directie", "Directie", "Board"
        elif u <= 5:
            kind, name, name_en = "Afdeling", nl, en
        else:
            kind, name, name_en = "Team", f"{nl} {city}", f"{en} {city}"
        return Unit(
            orgunitid=str(1000 + u),
            parent=None if u == 0 else str(1000 + (u - 1) // 5),
            kind=kind,
            name=name,
            name_en=name_en,
            costcenter=u % self.n_costcenters,
            versions=1 + rng.randrange(3),
        )

    def unit_rows(self) -> list[Stamped]:
        """Organization units with history: 1-3 rows per unit, told apart by startdate."""
        rows: list[Stamped] = []
        for u, unit in enumerate(self.units):
            rng = random.Random(stable_int(self.seed, self.index, "unit", u))
            versions = unit.versions
            day = dt.date(2010, 1, 1).toordinal() + rng.randrange(2000)
            starts = [day]
            for _ in range(versions - 1):
                starts.append(starts[-1] + 200 + rng.randrange(1200))
            starts = [s for s in starts if s < self.start_day] or [day]
            for v, start in enumerate(starts):
                end = starts[v + 1] - 1 if v + 1 < len(starts) else None
                suffix = "" if v + 1 == len(starts) else f" (tot {_date(end or start)})"
                rows.append(self.unit_row(u, start, end, suffix, _stamp(rng, start - 3)))
        return rows

    def unit_row(self, u: int, start: int, end: int | None, suffix: str, ts: int) -> Stamped:
        unit = self.units[u]
        cc_code, cc_nl, cc_en = self.cost_centers[unit.costcenter]
        manageruserid, managername = self.manager_of(u)
        name, name_en, kind = unit.name, unit.name_en, unit.kind
        label = name if name == kind else f"{kind} {name}"
        description = f'Eenheid "{name}"{suffix}' if u % 7 == 3 else label
        row: Row = {
            "odporgid": self.odporgid,
            "publicid": f"OE{1000 + u}",
            "orgunitid": unit.orgunitid,
            "orgunitparentid": unit.parent,
            "orgunittype": kind,
            "orgreporttype": "Hiërarchisch",
            "manager": managername,
            "manageruserid": manageruserid,
            "costcenter": cc_code,
            "costcentername": cc_nl,
            "costcentername_en": cc_en,
            "orgdescription": description,
            "orgdescription_en": name_en if name == kind else f"{kind} {name_en}",
            "orgname": name + suffix,
            "orgname_en": name_en,
            "extdepartmentid": f"X{1000 + u}",
            "extdepartmentname": name,
            "extdepartmentname_en": name_en,
            "existencestartutc": format_ticks(ts),
            "startdate": _date(start),
            "enddate": _date(end) if end is not None else None,
        }
        return row, ts

    def cost_center_rows(self) -> list[Stamped]:
        ts = self.start_ticks - 400 * TICKS_PER_DAY
        return [
            ({"costcenter": code, "costcentername": nl}, ts + c * TICKS_PER_SECOND)
            for c, (code, nl, _en) in enumerate(self.cost_centers)
        ]

    # ------------------------------------------------------------------ persons
    def core(self, i: int, hire: Hire | None = None) -> Core:
        """The person's attributes and employment history; a pure function of its index."""
        rng = FastRandom(stable_int(self.seed, self.index, i))
        p = pools()
        male = rng.random() < 0.48
        names = p.male if male else p.female
        first = names[rng.randrange(len(names))]
        second = names[rng.randrange(len(names))] if rng.random() < 0.35 else None
        prefix, surname = p.surnames[rng.randrange(len(p.surnames))]
        marital = rng.choices(range(5), weights=(45, 38, 8, 7, 2))[0]
        partner = p.surnames[rng.randrange(len(p.surnames))] if marital in (1, 2) else None
        dob = dt.date(1958, 1, 1).toordinal() + rng.randrange(47 * 365)
        city = p.cities[rng.randrange(len(p.cities))]
        core = Core(
            index=i,
            male=male,
            firstname=f"{first} {second}" if second else first,
            initials="".join(f"{n[0]}." for n in (first, second) if n),
            prefix=prefix,
            surname=surname,
            partner=partner,
            dob=dob,
            nationality=0 if rng.random() < 0.85 else rng.randrange(1, len(NATIONALITIES)),
            marital=marital,
            nameusage=rng.randrange(4) if partner else 0,
            title_before=rng.randrange(len(TITLES_BEFORE)) if rng.random() < 0.08 else None,
            title_after=rng.randrange(len(TITLES_AFTER)) if rng.random() < 0.06 else None,
            group=rng.choices(range(3), weights=(85, 5, 10))[0],
            company=rng.choices(range(3), weights=(70, 20, 10))[0],
            street=p.streets[rng.randrange(len(p.streets))],
            housenumber=1 + rng.randrange(250),
            ext=rng.choice(("A", "B", "bis", "2-hoog")) if rng.random() < 0.1 else None,
            zipcode=_zipcode(rng),
            city=city,
            moved=None,
            phone_seed=rng.randrange(10**8),
            other_address=(
                f"Postbus {rng.randrange(1, 9999)}\r\n{_zipcode(rng)} {city}"
                if rng.random() < 0.05
                else None
            ),
            has_user=i < self.n_units or stable_int(self.seed, self.index, "user", i) % 100 < 12,
        )
        if hire is None:
            self._history(core, rng)
        else:
            core.employments.append(self.new_employment(core, 0, hire.day, hire.ts, rng))
        return core

    def _history(self, core: Core, rng: random.Random) -> None:
        """Employments before the clock start: 1-3, each under a new employeeid."""
        today = self.start_day
        earliest = max(core.dob + 18 * 365, dt.date(1995, 1, 1).toordinal())
        span = max(1, today - 30 - earliest)
        start = earliest + int(span * (1 - rng.random() ** 1.6))
        wanted = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
        for k in range(wanted):
            emp = self.new_employment(core, k, start, _stamp(rng, start - rng.randrange(30)), rng)
            last = k + 1 == wanted
            length = 180 + rng.randrange(3000)
            if (not last or rng.random() < 0.15) and start + length < today - 1:
                self.end_employment(emp, start + length, rng)
            self._versions(emp, rng, emp.end or today)
            core.employments.append(emp)
            if emp.end is None:
                break
            start = emp.end + 30 + rng.randrange(700)
            if start >= today - 30:
                break
        self._planned_end(core, today)
        if rng.random() < 0.3:
            emp = core.employments[-1]
            when = emp.start + rng.randrange(max(1, today - emp.start))
            ts = _stamp(rng, min(when, today - 1))
            if ts > emp.ts:
                moved = (pools().streets[rng.randrange(400)], 1 + rng.randrange(250))
                city = pools().cities[rng.randrange(200)]
                core.moved = (moved[0], moved[1], _zipcode(rng), city, ts)

    def new_employment(
        self, core: Core, k: int, start: int, ts: int, rng: random.Random
    ) -> Employment:
        emptype = rng.choices(range(4), weights=(60, 30, 7, 3))[0]
        sub = Sub(
            start=start,
            end=None,
            unit=rng.randrange(self.n_units),
            ptfactor=rng.choice(PT_FACTORS),
            scale=4 + rng.randrange(10),
            step=rng.randrange(6),
            function=rng.randrange(len(FUNCTIONS)),
            ts=ts,
        )
        return Employment(k, start, None, None, emptype, [sub], ts)

    def _planned_end(self, core: Core, today: int) -> None:
        """A temporary contract still running knows its end date ahead, as in Visma: within
        the next 15 months. Drawn from its own hash, so every other value stays as it was."""
        emp = core.employments[-1]
        if emp.end is not None or emp.emptype != TEMPORARY:
            return
        emp.end = today + 1 + stable_int(self.seed, self.index, "planned-end", core.index) % 450
        emp.endreason = 1
        if emp.subs[-1].start < emp.end:
            emp.subs[-1].end = emp.end

    def end_employment(self, emp: Employment, end: int, rng: random.Random) -> None:
        emp.end = end
        emp.endreason = 1 if emp.emptype == 1 else rng.choice((0, 0, 0, 2, 3, 4, 5))

    def _versions(self, emp: Employment, rng: random.Random, until: int) -> None:
        """Split the employment into 1-4 subcontracts: raises, hours, transfers."""
        first = emp.subs[0]
        count = rng.choices((1, 2, 3, 4), weights=(35, 30, 20, 15))[0]
        length = until - emp.start
        cuts = sorted({emp.start + 1 + rng.randrange(max(1, length - 1)) for _ in range(count - 1)})
        cuts = [c for c in cuts if emp.start < c < until]
        subs = [first]
        for cut in cuts:
            prev = subs[-1]
            prev.end = cut - 1
            change = rng.random()
            subs.append(
                Sub(
                    start=cut,
                    end=None,
                    unit=rng.randrange(self.n_units) if change < 0.2 else prev.unit,
                    ptfactor=rng.choice(PT_FACTORS) if 0.2 <= change < 0.45 else prev.ptfactor,
                    scale=prev.scale + (1 if change > 0.9 else 0),
                    step=prev.step + 1,
                    function=prev.function,
                    ts=_stamp(rng, cut - rng.randrange(1, 20)),
                )
            )
        subs[-1].end = emp.end
        emp.subs = subs

    # ------------------------------------------------------------------ rows
    def employee_id(self, core: Core, k: int) -> str:
        return str(100000 + core.index * 10 + k)

    def rows(self, i: int, dataset: str, hire: Hire | None = None) -> list[Stamped]:
        """The base rows of one person for one dataset, each with its change timestamp."""
        return self.rows_of(self.core(i, hire), dataset)

    def rows_of(self, core: Core, dataset: str) -> list[Stamped]:
        if dataset == "employees":
            return self.employee_rows(core)
        if dataset == "contracts":
            return [r for emp in core.employments for r in self.contract_rows(core, emp)]
        if dataset in ("employee_udf_histories", "contract_udf_histories"):
            return self.udf_rows(core, dataset)
        if dataset == "users":
            return self.user_rows(core)
        raise KeyError(dataset)

    def employee_rows(self, core: Core) -> list[Stamped]:
        out: list[Stamped] = []
        for emp in core.employments:
            row = self.employee_row(core, emp, emp.ts)
            out.append((row, emp.ts))
        if core.moved is not None:
            street, nr, zipcode, city, ts = core.moved
            emp = core.employments[-1]
            row = dict(out[-1][0])
            row.update(self.address("home", street, nr, None, zipcode, city))
            row.update(self.address("sickness", street, nr, None, zipcode, city))
            row["existencestartutc"] = format_ticks(ts)
            out.append((row, ts))
        return out

    def address(
        self, prefix: str, street: str, nr: int, ext: str | None, zipcode: str, city: str
    ) -> Row:
        return {
            f"{prefix}street": street,
            f"{prefix}housenumber": str(nr),
            f"{prefix}housenumberext": ext,
            f"{prefix}zipcode": zipcode,
            f"{prefix}city": city,
            f"{prefix}country": "Nederland",
            f"{prefix}country_en": "Netherlands",
        }

    def employee_row(self, core: Core, emp: Employment, ts: int) -> Row:
        nat_nl, nat_en = NATIONALITIES[core.nationality]
        code, usage_nl, usage_en = NAME_USAGES[core.nameusage]
        group_id, group_nl, group_en = EMPLOYEE_GROUPS[core.group]
        company_id, company_name = self.companies[core.company]
        mobile = f"06-{core.phone_seed:08d}"
        local = (
            ascii_fold(core.firstname.split(" ")[0]) + "." + ascii_fold(core.prefix + core.surname)
        )
        domain = ascii_fold(company_name.split(",")[0])[:20] + ".nl"
        tb = TITLES_BEFORE[core.title_before] if core.title_before is not None else (None, None)
        ta = TITLES_AFTER[core.title_after] if core.title_after is not None else (None, None)
        home = self.address(
            "home", core.street, core.housenumber, core.ext, core.zipcode, core.city
        )
        row: Row = {
            "salutationid": "1" if core.male else "2",
            "salutation": "Dhr." if core.male else "Mevr.",
            "initials": core.initials,
            "firstname": core.firstname,
            "nickname": core.firstname.split(" ")[0],
            "nameusage": usage_nl,
            "nameusage_en": usage_en,
            "namecode": code,
            "birthname": core.surname,
            "prefixbirthname": core.prefix or None,
            "formattedname": formatted_name(core),
            "dateofbirth": _date(core.dob),
            "gender": "M" if core.male else "V",
            "nationality": nat_nl,
            "nationality_en": nat_en,
            "corraddress": "Woonadres",
            "corraddress_en": "Home address",
            "titlebefore": tb[0],
            "titlebefore_en": tb[1],
            "titleafter": ta[0],
            "titleafter_en": ta[1],
            "language": "Nederlands" if core.nationality == 0 else "Engels",
            "language_en": "Dutch" if core.nationality == 0 else "English",
            "partnername": core.partner[1] if core.partner else None,
            "prefixpartnername": (core.partner[0] or None) if core.partner else None,
            "maritalstatusid": MARITAL[core.marital][0],
            "maritalstatus": MARITAL[core.marital][1],
            "officialdate": _date(emp.start),
            "employeegroupid": group_id,
            "employeegroupname": group_nl,
            "employeegroupname_en": group_en,
            "ismanager": "True" if core.index < self.n_units else "False",
            "companyid": company_id,
            "companyname": company_name,
            "boardnumber": str(1 + core.company),
            **self.address(
                "sickness", core.street, core.housenumber, core.ext, core.zipcode, core.city
            ),
            **NO_POSTAL_ADDRESS,
            **home,
            "otheraddresses": core.other_address,
            "otheraddresses_en": core.other_address,
            "homeemailaddress": f"{local}@{MAIL_DOMAINS[core.phone_seed % len(MAIL_DOMAINS)]}",
            "businessemailaddress": f"{local}@{domain}",
            "homewebemailaddress": None,
            "businesswebemailaddress": None,
            "otheremailaddresses": None,
            "otheremailaddresses_en": None,
            "homephonenumber": f"0{20 + core.phone_seed % 70}-{core.phone_seed % 10**7:07d}",
            "officephonenumber": f"030-{(core.phone_seed // 7) % 10**7:07d}",
            "mobilephonenumber": mobile,
            "faxphonenumber": None,
            "secretaryphonenumber": None,
            "emergencyphonenumber": f"06-{(core.phone_seed * 7) % 10**8:08d}",
            "odporgid": self.odporgid,
            "employeeid": self.employee_id(core, emp.k),
            "existencestartutc": format_ticks(ts),
        }
        return row

    def contract_rows(self, core: Core, emp: Employment) -> list[Stamped]:
        emptype_nl, emptype_en = EMPTYPES[emp.emptype]
        fixed = emp.emptype != 0
        reason = END_REASONS[emp.endreason] if emp.endreason is not None else (None, None, None)
        base: Row = {
            "probation": "2" if fixed else "1",
            "contracttypeindication_en": "Fixed term" if fixed else "Indefinite",
            "contracttypeindication_nl": "Bepaalde tijd" if fixed else "Onbepaalde tijd",
            "endreason": reason[0],
            "endreasonname": reason[1],
            "endreasonname_en": reason[2],
            "basesubcontractid": "1",
            "cao": self.cao[0],
            "externalcaocode": self.cao[1],
            "type": "Arbeidsovereenkomst",
            "type_en": "Employment contract",
            "emptype": str(emp.emptype + 1),
            "emptypename": emptype_nl,
            "emptypename_en": emptype_en,
            "rosterid": None,
            "scaletype": "Salarisschaal",
            "scaletype_en": "Salary scale",
            "garscaletype": None,
            "garstep": None,
            "garstepname": None,
            "garsalaryhour": None,
            "catsscale": None,
            "catsscalename": None,
            "catsscaleid": None,
            "catsrspfactor": None,
            "salaryhourort": None,
            "salaryhourtravel": None,
            "salaryhourextra": None,
            "salarytype": "Maandloon",
            "tariffid": "1",
            "tariffname": "Standaard",
            "tariffname_en": "Standard",
            "publictransportregid": "0",
            "publictransportregname": "Geen regeling",
            "publictransportregname_en": "No arrangement",
            "publictransportunits": None,
            "ispooler": "True" if emp.emptype == 2 else "False",
            "insurancetype": "1",
            "insurancetypename": "Verzekerd",
            "insurancetypename_en": "Insured",
            "financesource": "1",
            "financesourcename": "Eigen middelen",
            "financesourcename_en": "Own funds",
            "odporgid": self.odporgid,
            "employeeid": self.employee_id(core, emp.k),
            "contractid": str(emp.k + 1),
            "nickname": core.firstname.split(" ")[0],
            "birthname": core.surname,
            "formattedname": formatted_name(core),
            "dateofbirth": _date(core.dob),
            "gender": "M" if core.male else "V",
        }
        distance = dec((core.phone_seed % 600) / 10, 1)
        out: list[Stamped] = []
        for n, sub in enumerate(emp.subs, start=1):
            row = dict(base)
            row.update(self.unit_fields(sub.unit))
            row.update(function_fields(sub.function))
            row.update(_pay_fields(sub.ptfactor, sub.scale, sub.step))
            row["startdate"] = _date(sub.start)
            row["enddate"] = _date(sub.end) if sub.end is not None else None
            row["distance"] = distance
            row["subcontractid"] = str(n)
            row["existencestartutc"] = format_ticks(sub.ts)
            out.append((row, sub.ts))
        return out

    def unit_fields(self, u: int) -> Row:
        """The contract columns that follow from the organization unit (computed once)."""
        found = self._unit_fields.get(u)
        if found is None:
            unit = self.units[u]
            cc_code, _cc_nl, cc_en = self.cost_centers[unit.costcenter]
            manageruserid, managername = self.manager_of(u)
            found = self._unit_fields[u] = {
                "costcenter": cc_code,
                "costcenter_en": cc_en,
                "orgunit": unit.orgunitid,
                "orgunitname": unit.name,
                "orgunitname_en": unit.name_en,
                "extdepartmentid": f"X{unit.orgunitid}",
                "extdepartmentname": unit.name,
                "extdepartmentname_en": unit.name_en,
                "manageruserid": manageruserid,
                "managername": managername,
            }
        return found

    def udf_rows(self, core: Core, dataset: str) -> list[Stamped]:
        """The first custom fields, then the newer ones (``sandbox.custom_fields``, drawn from
        generators of their own)."""
        from visma_hrm.sandbox import custom_fields

        if dataset == "employee_udf_histories":
            first, newer = self.employee_udf_rows, custom_fields.employee_rows
        else:
            first, newer = self.contract_udf_rows, custom_fields.contract_rows
        rows = [r for emp in core.employments for r in first(core, emp)]
        return rows + [r for emp in core.employments for r in newer(self, core, emp)]

    def employee_udf_rows(self, core: Core, emp: Employment) -> list[Stamped]:
        rng = FastRandom(stable_int(self.seed, self.index, core.index, emp.k, "eudf"))
        out: list[Stamped] = []
        employeeid = self.employee_id(core, emp.k)
        for name, listname, typeid, values in UDF_EMPLOYEE:
            if rng.random() < 0.4:
                continue
            starts = [emp.start]
            if rng.random() < 0.3 and self.start_day - emp.start > 60:
                starts.append(emp.start + 30 + rng.randrange(self.start_day - emp.start - 30))
            for v, start in enumerate(starts):
                end = starts[v + 1] - 1 if v + 1 < len(starts) else emp.end
                ts = _stamp(rng, start)
                row = udf_row(employeeid, name, listname, typeid, rng.choice(values), start, end)
                row["entityname"] = "Medewerker"
                out.append((row, ts))
        return out

    def contract_udf_rows(self, core: Core, emp: Employment) -> list[Stamped]:
        rng = FastRandom(stable_int(self.seed, self.index, core.index, emp.k, "cudf"))
        out: list[Stamped] = []
        employeeid = self.employee_id(core, emp.k)
        for n, sub in enumerate(emp.subs, start=1):
            for name, listname, typeid, values in UDF_CONTRACT:
                if rng.random() < 0.5:
                    continue
                row = udf_row(
                    employeeid, name, listname, typeid, rng.choice(values), sub.start, sub.end
                )
                row = {
                    "employeeid": employeeid,
                    "contractid": str(emp.k + 1),
                    "subcontractid": str(n),
                    **row,
                }
                row["entityname"] = "Contract"
                out.append((row, sub.ts))
        return out

    def user_rows(self, core: Core) -> list[Stamped]:
        if not core.has_user:
            return []
        emp = core.employments[-1]
        local = (
            ascii_fold(core.firstname.split(" ")[0]) + "." + ascii_fold(core.prefix + core.surname)
        )
        row: Row = {
            "userid": self.userid(core.index),
            "emailaddress": f"{local}{core.index}@{self.tenant_id[:8]}.example.nl",
            "employeeid": self.employee_id(core, emp.k),
        }
        return [(row, emp.ts)]


@functools.cache
def function_fields(function: int) -> Row:
    expertise = EXPERTISES[function % len(EXPERTISES)]
    return {
        "expertiseid": str(function % len(EXPERTISES) + 1),
        "expertisename": expertise[0],
        "expertisename_en": expertise[1],
        "costunit": "Primair proces" if function % 3 else "Overhead",
        "costunit_en": "Primary process" if function % 3 else "Overhead",
        "functionid": str(function + 100),
        "functionname": FUNCTIONS[function][0],
        "functionname_en": FUNCTIONS[function][1],
    }


@functools.cache
def _pay_fields(ptfactor: float, scale: int, step: int) -> Row:
    """Hours and pay of a subcontract; salary follows scale and step (a CAO table)."""
    full = salary_fulltime(scale, step)
    return {
        "ptfactor": dec(ptfactor, 4),
        "weekhoursfixed": dec(FULL_WEEK_HOURS * ptfactor, 2),
        "weekhoursvar": "0.00",
        "normalhours": dec(FULL_WEEK_HOURS, 2),
        "scale": f"{scale:02d}",
        "step": str(step),
        "stepname": f"Trede {step}",
        "salaryhour": dec(full / (FULL_WEEK_HOURS * 4.33), 2),
        "salaryfulltime": dec(full, 2),
        "maxdistance": "60.0",
        "dayspw": dec(max(1.0, round(5 * ptfactor * 2) / 2), 1),
    }


def salary_fulltime(scale: int, step: int) -> float:
    return 1900 + scale * 250 + step * 65 + (scale * 7) % 50 / 2


def udf_row(
    employeeid: str,
    name: str,
    listname: str | None,
    typeid: str,
    value: str,
    start: int,
    end: int | None,
) -> Row:
    return {
        "employeeid": employeeid,
        "fieldname": name,
        "listname": listname,
        "value": value,
        "startdate": _date(start),
        "enddate": _date(end) if end is not None else None,
        "entityname": None,
        "fieldtypeid": typeid,
    }


def formatted_name(core: Core) -> str:
    prefix = f"{core.prefix} " if core.prefix else ""
    return f"{core.initials} {prefix}{core.surname}"


def _zipcode(rng: random.Random) -> str:
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    return f"{rng.randrange(1000, 9999)} {rng.choice(letters)}{rng.choice(letters)}"
