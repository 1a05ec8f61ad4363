"""The sandbox's own description of the seven exports, written from Visma's side.

This module deliberately does not import ``visma_hrm.catalog``: the sandbox plays the API and
the catalog describes what the connector expects of it. Keeping two independent descriptions
means a mistake in one is caught by tests instead of being mirrored by the other.

Column lists cover every column the public clients are known to read or exclude (see
``docs/sandbox.md``), including the contract columns a production client excludes by name
(``garscaletype``, ``catsrspfactor``, ``publictransportunits``, ...). Columns the connector
does not know come only through schema drift (``FaultConfig.drift_add``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SCOPE_PREFIX = "hrmanalytics:nlhrm:export"
CONTACT_SCOPE = f"{SCOPE_PREFIX}contactinformation"


@dataclass(frozen=True)
class DatasetSpec:
    """One export: its URL path, the query answer's uri field, scope, row key and columns."""

    name: str
    path: str
    uris_field: str
    scope: str
    key: tuple[str, ...]
    columns: tuple[str, ...]


def _labelled(*names: str) -> list[str]:
    """Coded columns come twice: the Dutch label and the English one (``<name>_en``)."""
    return [n for name in names for n in (name, f"{name}_en")]


def _address(prefix: str) -> list[str]:
    parts = ["street", "housenumber", "housenumberext", "zipcode", "city"]
    return [*(prefix + p for p in parts), *_labelled(f"{prefix}country")]


def _unique(columns: Iterable[str]) -> tuple[str, ...]:
    out = tuple(columns)
    assert len(set(out)) == len(out), "duplicate column in sandbox spec"
    return out


EMPLOYEE_COLUMNS = _unique(
    [
        "salutationid",
        "salutation",
        "initials",
        "firstname",
        "nickname",
        *_labelled("nameusage"),
        "namecode",
        "birthname",
        "prefixbirthname",
        "formattedname",
        "dateofbirth",
        "gender",
        *_labelled("nationality", "corraddress", "titlebefore", "titleafter", "language"),
        "partnername",
        "prefixpartnername",
        "maritalstatusid",
        "maritalstatus",
        "officialdate",
        "employeegroupid",
        *_labelled("employeegroupname"),
        "ismanager",
        "companyid",
        "companyname",
        "boardnumber",
        *_address("sickness"),
        *_address("postal"),
        *_address("home"),
        *_labelled("otheraddresses"),
        "homeemailaddress",
        "businessemailaddress",
        "homewebemailaddress",
        "businesswebemailaddress",
        *_labelled("otheremailaddresses"),
        "homephonenumber",
        "officephonenumber",
        "mobilephonenumber",
        "faxphonenumber",
        "secretaryphonenumber",
        "emergencyphonenumber",
        "odporgid",
        "employeeid",
        "existencestartutc",
    ]
)

CONTRACT_COLUMNS = _unique(
    [
        "startdate",
        "enddate",
        "probation",
        "contracttypeindication_en",
        "contracttypeindication_nl",
        "endreason",
        *_labelled("endreasonname"),
        "basesubcontractid",
        "cao",
        "externalcaocode",
        *_labelled("type", "costcenter"),
        "orgunit",
        *_labelled("orgunitname"),
        "extdepartmentid",
        *_labelled("extdepartmentname"),
        "emptype",
        *_labelled("emptypename"),
        "expertiseid",
        *_labelled("expertisename", "costunit"),
        "functionid",
        *_labelled("functionname"),
        "rosterid",
        "ptfactor",
        "weekhoursfixed",
        "weekhoursvar",
        "normalhours",
        *_labelled("scaletype"),
        "scale",
        "step",
        "stepname",
        "garscaletype",
        "garstep",
        "garstepname",
        "garsalaryhour",
        "catsscale",
        "catsscalename",
        "catsscaleid",
        "catsrspfactor",
        "salaryhour",
        "salaryhourort",
        "salaryhourtravel",
        "salaryhourextra",
        "salaryfulltime",
        "salarytype",
        "distance",
        "maxdistance",
        "dayspw",
        "tariffid",
        *_labelled("tariffname"),
        "publictransportregid",
        *_labelled("publictransportregname"),
        "publictransportunits",
        "ispooler",
        "insurancetype",
        *_labelled("insurancetypename"),
        "financesource",
        *_labelled("financesourcename"),
        "odporgid",
        "employeeid",
        "contractid",
        "subcontractid",
        "existencestartutc",
        "nickname",
        "birthname",
        "formattedname",
        "dateofbirth",
        "gender",
        "manageruserid",
        "managername",
    ]
)

ORG_UNIT_COLUMNS = _unique(
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
        "existencestartutc",
        "startdate",
        "enddate",
    ]
)

_UDF = ["fieldname", "listname", "value", "startdate", "enddate", "entityname", "fieldtypeid"]

DATASETS: dict[str, DatasetSpec] = {
    d.name: d
    for d in (
        DatasetSpec(
            "employees",
            "nl/hrm/employees",
            "employeeFileUris",
            f"{SCOPE_PREFIX}employees",
            ("employeeid", "existencestartutc"),
            EMPLOYEE_COLUMNS,
        ),
        DatasetSpec(
            "employee_udf_histories",
            "nl/hrm/employees/user-defined-field-histories",
            "employeeUdfHistoryFileUris",
            f"{SCOPE_PREFIX}employees",
            ("employeeid", "fieldname", "startdate"),
            _unique(["employeeid", *_UDF]),
        ),
        DatasetSpec(
            "contracts",
            "nl/hrm/contracts",
            "contractFileUris",
            f"{SCOPE_PREFIX}contracts",
            ("employeeid", "contractid", "subcontractid"),
            CONTRACT_COLUMNS,
        ),
        DatasetSpec(
            "contract_udf_histories",
            "nl/hrm/contracts/user-defined-field-histories",
            "contractUdfHistoryFileUris",
            f"{SCOPE_PREFIX}contracts",
            ("employeeid", "contractid", "subcontractid", "fieldname", "startdate"),
            _unique(["employeeid", "contractid", "subcontractid", *_UDF]),
        ),
        DatasetSpec(
            "organization_units",
            "nl/hrm/metadata/organization-units",
            "organizationUnitsFileUris",
            f"{SCOPE_PREFIX}organizationunits",
            ("orgunitid", "startdate"),
            ORG_UNIT_COLUMNS,
        ),
        DatasetSpec(
            "cost_centers",
            "nl/hrm/metadata/cost-centers",
            "costCentersFileUris",
            f"{SCOPE_PREFIX}metadata",
            ("costcenter",),
            ("costcenter", "costcentername"),
        ),
        DatasetSpec(
            "users",
            "nl/hrm/users",
            "usersFileUris",
            f"{SCOPE_PREFIX}users",
            ("userid",),
            ("userid", "emailaddress", "employeeid"),
        ),
    )
}

BY_PATH: dict[str, DatasetSpec] = {d.path: d for d in DATASETS.values()}

KNOWN_SCOPES: frozenset[str] = frozenset({*(d.scope for d in DATASETS.values()), CONTACT_SCOPE})

PERSON_DATASETS = (
    "employees",
    "employee_udf_histories",
    "contracts",
    "contract_udf_histories",
    "users",
)
"""Datasets generated per person (streamed); the others are small per-tenant tables."""


def dataset(name: str) -> DatasetSpec:
    """Look up a dataset by name, with an error that lists the valid names."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def scopes_for(datasets: Iterable[str]) -> set[str]:
    return {DATASETS[d].scope for d in datasets}
