"""Every export of the API, declared once: ``DATASETS``, and ``get_dataset`` to look one up.

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

from collections.abc import Iterable

from visma_hrm.catalog.columns import Column, ColumnType, Dataset

# --------------------------------------------------------------------------- column helpers
T, D, TS, DEC, B = (
    ColumnType.TEXT,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.DECIMAL,
    ColumnType.BOOLEAN,
)


def _cols(spec: Iterable[tuple[str, ColumnType] | str]) -> list[Column]:
    """Build columns from names (text) or (name, type) pairs (which are personal data is said
    once, in ``visma_hrm.catalog.personal``)."""
    out = []
    for item in spec:
        name, ctype = (item, T) if isinstance(item, str) else item
        out.append(Column(name, ctype))
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
    *_cols(["salutationid", "salutation", "initials", "firstname", "nickname"]),
    *_cols([*_labelled("nameusage"), "namecode"]),
    *_cols(["birthname", "prefixbirthname", "formattedname", ("dateofbirth", D)]),
    *_cols(["gender", *_labelled("nationality")]),
    *_cols(_labelled("corraddress")),
    *_cols(_labelled("titlebefore", "titleafter")),
    *_cols(_labelled("language")),
    *_cols(["partnername", "prefixpartnername", "maritalstatusid", "maritalstatus"]),
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
        ]
    ),
    *_cols(
        [
            "businessemailaddress",
            "businesswebemailaddress",
            "officephonenumber",
            "faxphonenumber",
            "secretaryphonenumber",
        ]
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
    *_cols(_PERSON_COPIES),
    *_cols(["manageruserid"]),
    *_cols(["managername"]),
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

EXPORT_SCOPE_PREFIX = "hrmanalytics:nlhrm:export"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="employees",
            path="nl/hrm/employees",
            uris_field="employeeFileUris",
            scope=f"{EXPORT_SCOPE_PREFIX}employees",
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
            scope=f"{EXPORT_SCOPE_PREFIX}employees",
            primary_key=("employeeid", "fieldname", "startdate"),
            key_reason="One value of one user-defined field of one employee from a start date.",
            description="History of the employees' user-defined fields.",
            columns=tuple(_cols(["employeeid", *_UDF_COLUMNS, *_UDF_TAIL])),
        ),
        Dataset(
            name="contracts",
            path="nl/hrm/contracts",
            uris_field="contractFileUris",
            scope=f"{EXPORT_SCOPE_PREFIX}contracts",
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
            scope=f"{EXPORT_SCOPE_PREFIX}contracts",
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
            scope=f"{EXPORT_SCOPE_PREFIX}organizationunits",
            primary_key=("orgunitid", "startdate"),
            key_reason="Units carry history: several rows per unit, told apart by startdate.",
            description="The organization tree with its history, managers and cost centers.",
            columns=_ORG_UNIT_COLUMNS,
        ),
        Dataset(
            name="cost_centers",
            path="nl/hrm/metadata/cost-centers",
            uris_field="costCentersFileUris",
            scope=f"{EXPORT_SCOPE_PREFIX}metadata",
            primary_key=("costcenter",),
            key_reason="A cost center is identified by its code.",
            description="Cost center codes and names.",
            columns=tuple(_cols(["costcenter", "costcentername"])),
        ),
        Dataset(
            name="users",
            path="nl/hrm/users",
            uris_field="usersFileUris",
            scope=f"{EXPORT_SCOPE_PREFIX}users",
            primary_key=("userid",),
            key_reason="A user account; maps manageruserid to an employeeid.",
            description="User accounts, linking managers to employees.",
            columns=(
                *_cols(["userid"]),
                *_cols(["emailaddress"]),
                *_cols(["employeeid"]),
            ),
        ),
    )
}


def get_dataset(name: str) -> Dataset:
    """Look a dataset up by name, with an error that lists the valid names."""
    try:
        return DATASETS[name]
    except KeyError:
        valid = ", ".join(DATASETS)
        raise KeyError(f"unknown dataset {name!r}; known datasets: {valid}") from None
