"""The one list of personal columns, each with its role: what every privacy rule derives from.

A column's *role* says what kind of personal data it holds, and with it what each rule does:

* ``contact`` profile: keeps every column marked ``contact`` (private contact and address data)
  at Visma, excluded at the API;
* ``pseudonymize`` profile (``visma_hrm.load.pseudonyms``): names, e-mail addresses, phone
  numbers and street addresses become keyed hashes, a postcode its four digits, a birth date its
  year; keys only with ``pseudonymize_keys``; localities and descriptions stay as they are;
* retention (``visma_hrm.sync.steps.retention``): every role but ``key`` is emptied;
* the change feed's ``personal_data_change`` (``visma_hrm.sync.steps.change_events``): a change
  in a name, address, locality, postcode, e-mail or phone of an employee record;
* the catalog (``Dataset.personal_columns``, ``visma-hrm datasets``) marks every role but ``key``.

The same column name means the same thing in every dataset (``formattedname`` in employees and
in contracts), so the list is keyed by name. A new personal column is added here once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Role(enum.Enum):
    """What kind of personal data a column holds."""

    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    """Street, house number and addition: where someone lives, to the door."""
    LOCALITY = "locality"
    """City and country: coarser than a Dutch postcode's four digits, so kept by pseudonyms."""
    POSTCODE = "postcode"
    BIRTH_DATE = "birth_date"
    DESCRIPTION = "description"
    """What describes a person besides names: salutation, gender, nationality, titles,
    marital status."""
    FREE_TEXT = "free_text"
    """User-defined field values: anything can be in them (a list field's chosen entry is in
    ``listname``)."""
    KEY = "key"
    """A person's keys (employeeid, contractid, userid): pseudonymized only on request."""


@dataclass(frozen=True)
class Personal:
    """One personal column: its role, and whether it is private contact data (``contact``)."""

    role: Role
    contact: bool = False


def _labelled(*names: str) -> tuple[str, ...]:
    """A coded column comes as Dutch label plus English label ``<name>_en``."""
    return tuple(n for name in names for n in (name, f"{name}_en"))


_ADDRESS_BLOCKS = ("home", "postal", "sickness")


def _address_block(prefix: str) -> dict[str, Personal]:
    return {
        f"{prefix}street": Personal(Role.ADDRESS, contact=True),
        f"{prefix}housenumber": Personal(Role.ADDRESS, contact=True),
        f"{prefix}housenumberext": Personal(Role.ADDRESS, contact=True),
        f"{prefix}zipcode": Personal(Role.POSTCODE, contact=True),
        f"{prefix}city": Personal(Role.LOCALITY, contact=True),
        **{c: Personal(Role.LOCALITY, contact=True) for c in _labelled(f"{prefix}country")},
    }


def _all(names: tuple[str, ...] | list[str], personal: Personal) -> dict[str, Personal]:
    return dict.fromkeys(names, personal)


PERSONAL_COLUMNS: Mapping[str, Personal] = {
    **_all(
        [
            "initials",
            "firstname",
            "nickname",
            "birthname",
            "prefixbirthname",
            "formattedname",
            "partnername",
            "prefixpartnername",
            "managername",
            "manager",
        ],
        Personal(Role.NAME),
    ),
    "dateofbirth": Personal(Role.BIRTH_DATE),
    **_all(
        [
            "salutationid",
            "salutation",
            "gender",
            *_labelled("nationality", "titlebefore", "titleafter"),
            "maritalstatusid",
            "maritalstatus",
        ],
        Personal(Role.DESCRIPTION),
    ),
    **{k: v for block in _ADDRESS_BLOCKS for k, v in _address_block(block).items()},
    **_all(_labelled("otheraddresses"), Personal(Role.ADDRESS, contact=True)),
    **_all(
        ["homeemailaddress", "homewebemailaddress", *_labelled("otheremailaddresses")],
        Personal(Role.EMAIL, contact=True),
    ),
    **_all(["businessemailaddress", "businesswebemailaddress"], Personal(Role.EMAIL)),
    "emailaddress": Personal(Role.EMAIL),
    **_all(
        ["homephonenumber", "mobilephonenumber", "emergencyphonenumber"],
        Personal(Role.PHONE, contact=True),
    ),
    **_all(["officephonenumber", "faxphonenumber", "secretaryphonenumber"], Personal(Role.PHONE)),
    **_all(["value", "listname"], Personal(Role.FREE_TEXT)),
    **_all(["employeeid", "contractid", "userid", "manageruserid"], Personal(Role.KEY)),
}
"""Every personal column of every dataset, by name."""

KEY_DOMAINS: Mapping[str, str] = {
    "employeeid": "employeeid",
    "contractid": "contractid",
    "userid": "userid",
    "manageruserid": "userid",
}
"""Key columns and the domain their pseudonym is made in: manageruserid names a userid."""

PERSON_IDENTITY = ("initials", "gender", "dateofbirth", "birthname")
"""What groups employeeids into one person (Visma makes a new employeeid per contract): the
newest employee record's initials, gender, birth date and birth name. The analytics, retention
and the change feed group by exactly these."""

PERSON_DISPLAY = ("prefixbirthname", "formattedname")
"""What shows a person by name in the analytics (besides the identity above)."""


def columns_with(*roles: Role) -> tuple[str, ...]:
    """The personal columns holding any of ``roles``, in the list's order."""
    return tuple(name for name, p in PERSONAL_COLUMNS.items() if p.role in roles)


def is_personal(name: str) -> bool:
    """Personal data under the AVG/GDPR: any role but ``key`` (keys only point at a person)."""
    found = PERSONAL_COLUMNS.get(name)
    return found is not None and found.role is not Role.KEY


def is_contact(name: str) -> bool:
    """Private contact and address data: what the ``contact`` profile keeps at Visma."""
    found = PERSONAL_COLUMNS.get(name)
    return found is not None and found.contact


CHANGE_FEED_ROLES = (
    Role.NAME,
    Role.ADDRESS,
    Role.LOCALITY,
    Role.POSTCODE,
    Role.EMAIL,
    Role.PHONE,
)
"""A change in one of these in an employee record is a ``personal_data_change`` event."""
