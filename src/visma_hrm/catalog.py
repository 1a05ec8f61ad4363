"""The dataset catalog: the one declarative place that describes each export of the API.

Every other part of the connector (the client's parser, the dlt source, the CLI's `datasets`
command, the analytics) reads the datasets from here, so adding a dataset means adding one
entry to ``DATASETS``. The sandbox deliberately does *not* import this module: it plays Visma's
side and keeps its own description of the API, so that a mistake here cannot be mirrored there.

Column lists hold the columns seen in public clients, including every contract column a
production client excludes by name (``fields=!rosterid,...,publictransportunits``). They are not
complete: unknown columns arriving from the API load as text, catalog columns missing from a
file load as null. Types are chosen conservatively:

* identifiers (employeeid, contractid, orgunitid, ...) are **text**: the API documents no id
  format, and a wrong numeric guess would reject every row of a customer;
* dates (``YYYY-MM-DD``) are ``date``; ``existencestartutc`` is a UTC timestamp (microseconds:
  the API's 7 fractional digits are truncated to 6: Arrow and DuckDB hold microseconds);
* hours, factors and amounts are decimals, never floats, so that sums in the warehouse add up.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pyarrow only where Arrow types are asked for: `visma-hrm check` needs none
    import pyarrow as pa

TENANT_COLUMN = "tenant_id"
"""Added to every row: the tenant (customer database) the row came from. Part of every key."""

DELETED_COLUMN = "_visma_deleted"
"""Soft-delete flag: true once a full export no longer carries the row."""

DELETED_AT_COLUMN = "_visma_deleted_at"
"""When a full export first found the row gone."""

SYNCED_AT_COLUMN = "_visma_synced_at"
"""Start of the sync run that last received the row; full-export reconciliation compares it."""

REJECTED_ROWS_TABLE = "_visma_rejected_rows"
"""Rows that could not be parsed: raw text and reason, never silently dropped."""

SYNC_STATE_TABLE = "_visma_sync_state"
"""One row per loaded export (tenant, dataset, cursor, full or not, complete or not): where the
next sync starts is read from here, in the destination (see ``visma_hrm.positions``)."""

DECIMAL_PRECISION, DECIMAL_SCALE = 18, 6
"""Hours, factors and amounts: 12 integer digits and 6 decimals (part-time factors such as
0.888889 keep their precision; a value with more decimals is rejected, never rounded)."""


class ColumnType(enum.Enum):
    """The logical types a CSV column can carry. Values are dlt's data type names."""

    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    INTEGER = "bigint"
    DECIMAL = "decimal"
    BOOLEAN = "bool"

    @property
    def arrow_type(self) -> pa.DataType:
        return _arrow_types()[self]


@functools.cache
def _arrow_types() -> dict[ColumnType, pa.DataType]:
    """Arrow type per column type, made on first use (importing pyarrow costs ~0.3 s)."""
    import pyarrow as pa

    return {
        ColumnType.TEXT: pa.string(),
        ColumnType.DATE: pa.date32(),
        ColumnType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
        ColumnType.INTEGER: pa.int64(),
        ColumnType.DECIMAL: pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
        ColumnType.BOOLEAN: pa.bool_(),
    }


@dataclass(frozen=True)
class Column:
    """One known column of an export.

    ``personal`` marks personal data under the AVG/GDPR that describes or reaches a person:
    names, birth date, gender, nationality, marital status, partner name, titles, and every
    contact detail. ``contact`` marks the *private* contact and address data among them: the
    ``contact`` privacy profile excludes those at the API, so they never leave Visma (names,
    birth date and gender stay: the analytics group employeeids into persons by them).
    """

    name: str
    type: ColumnType = ColumnType.TEXT
    personal: bool = False
    contact: bool = False

    def __post_init__(self) -> None:
        if self.contact and not self.personal:
            object.__setattr__(self, "personal", True)  # private contact data is personal

    def dlt_hint(self) -> dict[str, Any]:
        hint: dict[str, Any] = {"name": self.name, "data_type": self.type.value, "nullable": True}
        if self.type is ColumnType.DECIMAL:
            hint["precision"], hint["scale"] = DECIMAL_PRECISION, DECIMAL_SCALE
        if self.type is ColumnType.TIMESTAMP:
            hint["timezone"] = True
            hint["precision"] = 6
        return hint


@dataclass(frozen=True)
class Dataset:
    """One export of the analytics API and the table it loads into.

    ``primary_key`` lists the columns that identify a row *within one tenant*; the tenant id
    is always prepended (see ``key``). ``key_reason`` documents why those columns.
    """

    name: str
    path: str
    uris_field: str
    scope: str
    primary_key: tuple[str, ...]
    key_reason: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        return self.name

    @property
    def key(self) -> tuple[str, ...]:
        return (TENANT_COLUMN, *self.primary_key)

    @property
    def command_path(self) -> str:
        return f"/v1/command/{self.path}"

    def query_path(self, job_id: str) -> str:
        return f"/v1/query/{self.path}/{job_id}"

    def column(self, name: str) -> Column | None:
        return self._by_name().get(name)

    def column_type(self, name: str) -> ColumnType:
        """Type of a column; unknown columns are text (schema drift never loses data)."""
        known = self.column(name)
        return known.type if known else ColumnType.TEXT

    def personal_columns(self) -> tuple[str, ...]:
        """Personal data under the AVG/GDPR (see ``Column``)."""
        return tuple(c.name for c in self.columns if c.personal)

    def contact_columns(self) -> tuple[str, ...]:
        """Private contact and address columns: what the ``contact`` profile keeps at Visma."""
        return tuple(c.name for c in self.columns if c.contact)

    def arrow_schema(self) -> pa.Schema:
        """Schema of the data columns (without tenant and bookkeeping columns)."""
        import pyarrow as pa

        return pa.schema([pa.field(c.name, c.type.arrow_type) for c in self.columns])

    def dlt_columns(self) -> list[dict[str, Any]]:
        """Column hints for dlt, so that a column exists even when a customer leaves it empty."""
        hints = [{"name": TENANT_COLUMN, "data_type": "text", "nullable": False}]
        hints += [c.dlt_hint() for c in self.columns]
        hints += [
            {"name": DELETED_COLUMN, "data_type": "bool", "nullable": False},
            {"name": DELETED_AT_COLUMN, "data_type": "timestamp", "nullable": True},
            {"name": SYNCED_AT_COLUMN, "data_type": "timestamp", "nullable": False},
        ]
        for hint in hints:
            if hint["name"] in self.key:
                hint["primary_key"] = True
                hint["nullable"] = False
        return hints

    def _by_name(self) -> Mapping[str, Column]:
        return {c.name: c for c in self.columns}


# --------------------------------------------------------------------------- column helpers
T, D, TS, DEC, B = (
    ColumnType.TEXT,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.DECIMAL,
    ColumnType.BOOLEAN,
)


def _cols(
    spec: Iterable[tuple[str, ColumnType] | str], personal: bool = False, contact: bool = False
) -> list[Column]:
    """Build columns from names (text) or (name, type) pairs."""
    out = []
    for item in spec:
        name, ctype = (item, T) if isinstance(item, str) else item
        out.append(Column(name, ctype, personal or contact, contact))
    return out


def _labelled(*names: str) -> list[str]:
    """A coded column comes as Dutch label plus English label ``<name>_en``."""
    return [n for name in names for n in (name, f"{name}_en")]


def _address(prefix: str) -> list[str]:
    return [
        f"{prefix}street",
        f"{prefix}housenumber",
        f"{prefix}housenumberext",
        f"{prefix}zipcode",
        f"{prefix}city",
        *_labelled(f"{prefix}country"),
    ]


_PERSON_COPIES: list[tuple[str, ColumnType] | str] = [
    "nickname",
    "birthname",
    "formattedname",
    ("dateofbirth", D),
    "gender",
]

_EMPLOYEE_COLUMNS = (
    *_cols(["salutationid", "salutation", "initials", "firstname", "nickname"], personal=True),
    *_cols([*_labelled("nameusage"), "namecode"]),
    *_cols(["birthname", "prefixbirthname", "formattedname", ("dateofbirth", D)], personal=True),
    *_cols(["gender", *_labelled("nationality")], personal=True),
    *_cols(_labelled("corraddress")),
    *_cols(_labelled("titlebefore", "titleafter"), personal=True),
    *_cols(_labelled("language")),
    *_cols(["partnername", "prefixpartnername", "maritalstatusid", "maritalstatus"], personal=True),
    *_cols([("officialdate", D), "employeegroupid", *_labelled("employeegroupname")]),
    *_cols([("ismanager", B), "companyid", "companyname", "boardnumber"]),
    *_cols(
        [
            *_address("sickness"),
            *_address("postal"),
            *_address("home"),
            *_labelled("otheraddresses"),
            "homeemailaddress",
            "homewebemailaddress",
            *_labelled("otheremailaddresses"),
            "homephonenumber",
            "mobilephonenumber",
            "emergencyphonenumber",
        ],
        contact=True,
    ),
    *_cols(
        [
            "businessemailaddress",
            "businesswebemailaddress",
            "officephonenumber",
            "faxphonenumber",
            "secretaryphonenumber",
        ],
        personal=True,
    ),
    *_cols(["odporgid", "employeeid", ("existencestartutc", TS)]),
)

_CONTRACT_COLUMNS = (
    *_cols([("startdate", D), ("enddate", D), "probation"]),
    *_cols(["contracttypeindication_en", "contracttypeindication_nl"]),
    *_cols(["endreason", *_labelled("endreasonname"), "basesubcontractid", "cao"]),
    *_cols(["externalcaocode", *_labelled("type", "costcenter"), "orgunit"]),
    *_cols([*_labelled("orgunitname"), "extdepartmentid", *_labelled("extdepartmentname")]),
    *_cols(["emptype", *_labelled("emptypename"), "expertiseid", *_labelled("expertisename")]),
    *_cols([*_labelled("costunit"), "functionid", *_labelled("functionname"), "rosterid"]),
    *_cols([("ptfactor", DEC), ("weekhoursfixed", DEC), ("weekhoursvar", DEC)]),
    *_cols([("normalhours", DEC), *_labelled("scaletype"), "scale", "step", "stepname"]),
    *_cols(["garscaletype", "garstep", "garstepname", ("garsalaryhour", DEC)]),
    *_cols(["catsscale", "catsscalename", "catsscaleid", ("catsrspfactor", DEC)]),
    *_cols([("salaryhour", DEC), ("salaryhourort", DEC), ("salaryhourtravel", DEC)]),
    *_cols([("salaryhourextra", DEC), ("salaryfulltime", DEC), "salarytype"]),
    *_cols([("distance", DEC), ("maxdistance", DEC), ("dayspw", DEC)]),
    *_cols(["tariffid", *_labelled("tariffname"), ("ispooler", B), "insurancetype"]),
    *_cols(["publictransportregid", *_labelled("publictransportregname")]),
    *_cols([("publictransportunits", DEC)]),
    *_cols([*_labelled("insurancetypename"), "financesource", *_labelled("financesourcename")]),
    *_cols(["odporgid", "employeeid", "contractid", "subcontractid", ("existencestartutc", TS)]),
    *_cols(_PERSON_COPIES, personal=True),
    *_cols(["manageruserid"]),
    *_cols(["managername"], personal=True),
)

_ORG_UNIT_COLUMNS = tuple(
    _cols(
        [
            "odporgid",
            "publicid",
            "orgunitid",
            "orgunitparentid",
            "orgunittype",
            "orgreporttype",
            "manager",
            "manageruserid",
            "costcenter",
            *_labelled("costcentername", "orgdescription", "orgname"),
            "extdepartmentid",
            *_labelled("extdepartmentname"),
            ("existencestartutc", TS),
            ("startdate", D),
            ("enddate", D),
        ]
    )
)

_UDF_COLUMNS: list[tuple[str, ColumnType] | str] = [
    "fieldname",
    "listname",
    "value",
    ("startdate", D),
    ("enddate", D),
]
_UDF_TAIL: list[tuple[str, ColumnType] | str] = ["entityname", "fieldtypeid"]

_EXPORTS = "hrmanalytics:nlhrm:export"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="employees",
            path="nl/hrm/employees",
            uris_field="employeeFileUris",
            scope=f"{_EXPORTS}employees",
            primary_key=("employeeid", "existencestartutc"),
            key_reason=(
                "The export can hold several rows per employeeid, one per version of the "
                "person record; existencestartutc is where a version starts."
            ),
            description="Person records: names, birth data, addresses, contact details.",
            columns=_EMPLOYEE_COLUMNS,
        ),
        Dataset(
            name="employee_udf_histories",
            path="nl/hrm/employees/user-defined-field-histories",
            uris_field="employeeUdfHistoryFileUris",
            scope=f"{_EXPORTS}employees",
            primary_key=("employeeid", "fieldname", "startdate"),
            key_reason="One value of one user-defined field of one employee from a start date.",
            description="History of the employees' user-defined fields.",
            columns=tuple(_cols(["employeeid", *_UDF_COLUMNS, *_UDF_TAIL])),
        ),
        Dataset(
            name="contracts",
            path="nl/hrm/contracts",
            uris_field="contractFileUris",
            scope=f"{_EXPORTS}contracts",
            primary_key=("employeeid", "contractid", "subcontractid"),
            key_reason=(
                "Visma versions a contract as subcontracts; the key others use is "
                "employeeid + contractid + subcontractid."
            ),
            description="Employment contracts and their versions: dates, hours, salary, unit.",
            columns=_CONTRACT_COLUMNS,
        ),
        Dataset(
            name="contract_udf_histories",
            path="nl/hrm/contracts/user-defined-field-histories",
            uris_field="contractUdfHistoryFileUris",
            scope=f"{_EXPORTS}contracts",
            primary_key=("employeeid", "contractid", "subcontractid", "fieldname", "startdate"),
            key_reason="One value of one user-defined field of one contract version from a date.",
            description="History of the contracts' user-defined fields.",
            columns=tuple(
                _cols(["employeeid", "contractid", "subcontractid", *_UDF_COLUMNS, *_UDF_TAIL])
            ),
        ),
        Dataset(
            name="organization_units",
            path="nl/hrm/metadata/organization-units",
            uris_field="organizationUnitsFileUris",
            scope=f"{_EXPORTS}organizationunits",
            primary_key=("orgunitid", "startdate"),
            key_reason="Units carry history: several rows per unit, told apart by startdate.",
            description="The organization tree with its history, managers and cost centers.",
            columns=_ORG_UNIT_COLUMNS,
        ),
        Dataset(
            name="cost_centers",
            path="nl/hrm/metadata/cost-centers",
            uris_field="costCentersFileUris",
            scope=f"{_EXPORTS}metadata",
            primary_key=("costcenter",),
            key_reason="A cost center is identified by its code.",
            description="Cost center codes and names.",
            columns=tuple(_cols(["costcenter", "costcentername"])),
        ),
        Dataset(
            name="users",
            path="nl/hrm/users",
            uris_field="usersFileUris",
            scope=f"{_EXPORTS}users",
            primary_key=("userid",),
            key_reason="A user account; maps manageruserid to an employeeid.",
            description="User accounts, linking managers to employees.",
            columns=(
                *_cols(["userid"]),
                *_cols(["emailaddress"], personal=True),
                *_cols(["employeeid"]),
            ),
        ),
    )
}

CONTACT_SCOPE = f"{_EXPORTS}contactinformation"
"""Optional scope for private contact columns; not required by any dataset."""

PRIVACY_PROFILES: dict[str, str] = {
    "contact": "Exclude private contact and address columns (home address, private e-mail, "
    "private phone numbers) at the API: they never leave Visma.",
    "pseudonymize": "Replace names, e-mail addresses, phone numbers, streets and house numbers "
    "by keyed hashes (HMAC with pseudonym_key), birth dates by the birth year and postcodes by "
    "their four digits, before anything reaches the destination (visma_hrm.pseudonyms).",
}


def get_dataset(name: str) -> Dataset:
    """Look a dataset up by name, with an error that lists the valid names."""
    try:
        return DATASETS[name]
    except KeyError:
        valid = ", ".join(DATASETS)
        raise KeyError(f"unknown dataset {name!r}; known datasets: {valid}") from None


def privacy_profiles(spec: str | None) -> tuple[str, ...]:
    """The profiles named in a ``privacy_profile`` value: one name or several, comma-separated."""
    names = tuple(dict.fromkeys(p.strip() for p in (spec or "").split(",") if p.strip()))
    for name in names:
        if name not in PRIVACY_PROFILES:
            known = ", ".join(PRIVACY_PROFILES)
            raise KeyError(f"unknown privacy profile {name!r}; known: {known}")
    return names


def privacy_excludes(profile: str, dataset: Dataset) -> tuple[str, ...]:
    """Columns the privacy profile(s) keep out of a dataset (pushed down as ``fields=!...``).

    Only ``contact`` excludes at the API; ``pseudonymize`` keeps every column and replaces
    values in the source (``visma_hrm.pseudonyms``).
    """
    if "contact" in privacy_profiles(profile):
        return dataset.contact_columns()
    return ()
