"""Pseudonyms: direct identifiers replaced by keyed hashes before anything reaches the destination.

The privacy profile ``pseudonymize`` turns each parsed Arrow batch into one without clear names,
e-mail addresses, phone numbers, streets and house numbers; a birth date keeps its year only
(stored as 1 January of it) and a Dutch postcode its four digits (PC4). The replacement is an
HMAC-SHA256 of the value under the user's ``pseudonym_key`` (secrets file), so the same value
gets the same pseudonym in every run and every tenant: joins and person grouping keep working,
and without the key nobody can test a guessed name against a pseudonym. With
``pseudonymize_keys`` the person keys (employeeid, contractid, userid and the manageruserid that
points at a userid) are replaced too, consistently across datasets.

It runs in the source (``visma_hrm.load.source``) on every batch and on every rejected row, so dlt's
extract files, the load packages, the destination and the report see pseudonyms only. The
export files as Visma sends them are the one clear copy: they live in the run's working folder
and are removed with it at the end of the run.

A destination holds either pseudonyms made with one key or clear values, never a mix: each
pseudonymizing load writes a row to ``_visma_privacy`` (profile, a fingerprint of the key that
reveals nothing of it, whether keys are replaced), and a run whose settings differ from what
the destination holds stops before it asks the API for anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from visma_hrm.catalog import SYNC_STATE_TABLE, Dataset, privacy_profiles
from visma_hrm.catalog.personal import KEY_DOMAINS, Role, columns_with
from visma_hrm.client.models import RejectedRow
from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError, VismaHrmError
from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation, SqlClient
from visma_hrm.redact import Secret

PROFILE = "pseudonymize"
PRIVACY_TABLE = "_visma_privacy"
"""One row per pseudonymizing load: what the destination's pseudonyms were made with."""

MIN_KEY_LENGTH = 32
PSEUDONYM_HEX = 16
"""Hex digits kept of the HMAC: 64 bits, no collision to expect among millions of values."""

HASHED_ROLES = {
    Role.NAME: "name",
    Role.EMAIL: "email",
    Role.PHONE: "phone",
    Role.ADDRESS: "address",
}
"""Roles replaced by a keyed hash, and the domain each is hashed in (names and streets apart)."""
POSTCODE_COLUMNS = columns_with(Role.POSTCODE)
BIRTH_DATE_COLUMNS = columns_with(Role.BIRTH_DATE)

WITHHELD = "(withheld: pseudonymize)"
"""What a rejected row keeps instead of its raw text and of the value named in its reason."""

_PARSER_DETAIL = re.compile(r"\(.*\)(?=\. Run the sync)", re.S)
_PC4 = re.compile(r"^\s*(\d{4})\s*[A-Za-z]{2}\s*$")
_REASON_VALUE = re.compile(r"(column '[^']*': ).*?( is not )")


@dataclass(frozen=True)
class Pseudonymizer:
    """Replaces direct identifiers in Arrow tables; one per run, built from the settings."""

    key: Secret
    keys_too: bool = False

    @classmethod
    def from_settings(cls, cfg: Settings) -> Pseudonymizer | None:
        """The run's pseudonymizer, None without the profile; a missing or short key refused."""
        if PROFILE not in privacy_profiles(cfg.privacy_profile):
            if cfg.pseudonymize_keys:
                raise ConfigurationError(
                    "pseudonymize_keys needs the privacy profile 'pseudonymize' "
                    '(privacy_profile = "pseudonymize").'
                )
            return None
        key = cfg.pseudonym_key
        if key is None or not key.reveal():
            raise ConfigurationError(
                "The privacy profile 'pseudonymize' needs a key: put pseudonym_key = \"...\" in "
                "the secrets file (.visma-hrm.secrets.toml, next to client_secret) or set "
                "VISMA_HRM_PSEUDONYM_KEY. Make one with: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))', and keep it: another key gives other "
                "pseudonyms."
            )
        if len(key.reveal()) < MIN_KEY_LENGTH:
            raise ConfigurationError(
                f"pseudonym_key must be at least {MIN_KEY_LENGTH} characters long (a short key "
                "can be guessed, and with it every pseudonym reversed by trying names)."
            )
        return cls(key, cfg.pseudonymize_keys)

    # ----------------------------------------------------------------------- values
    def pseudonym(self, domain: str, value: str) -> str:
        """The stable pseudonym of ``value``; ``domain`` keeps e.g. names and streets apart."""
        mac = self._keyed().copy()  # the keyed state is computed once, not per value
        mac.update(f"{domain}\x1f{value}".encode())
        return mac.hexdigest()[:PSEUDONYM_HEX]

    def _keyed(self) -> hmac.HMAC:
        keyed: hmac.HMAC | None = self.__dict__.get("_mac")
        if keyed is None:
            keyed = hmac.new(self.key.reveal().encode(), digestmod=hashlib.sha256)
            object.__setattr__(self, "_mac", keyed)
        return keyed

    def fingerprint(self) -> str:
        """Tells two keys apart without revealing either (a pseudonym of a fixed text)."""
        return self.pseudonym("key-fingerprint", "visma-hrm")

    def rules(self) -> dict[str, Callable[[pa.ChunkedArray], pa.ChunkedArray | pa.Array]]:
        """Column name -> how that column is replaced."""
        out: dict[str, Callable[[pa.ChunkedArray], pa.ChunkedArray | pa.Array]] = {}
        for role, domain in HASHED_ROLES.items():
            out.update({c: self._hashing(domain) for c in columns_with(role)})
        out.update({c: _pc4 for c in POSTCODE_COLUMNS})
        out.update({c: self._birth_year for c in BIRTH_DATE_COLUMNS})
        if self.keys_too:
            out.update({c: self._hashing(d) for c, d in KEY_DOMAINS.items()})
        return out

    # ----------------------------------------------------------------------- tables
    def table(self, table: pa.Table, dataset: Dataset) -> pa.Table:
        """``table`` with every identifier column it holds replaced (types and nullability kept)."""
        rules = self.rules()
        for index, column_field in enumerate(table.schema):
            rule = rules.get(column_field.name)
            if rule is None:
                continue
            replaced = rule(table.column(index))
            table = table.set_column(index, column_field, replaced)
        return table

    def rejected(self, rows: Iterable[RejectedRow]) -> list[RejectedRow]:
        """Rejected rows without their raw text and with values cut from the reasons."""
        withheld = rf"\1{WITHHELD}\2"
        return [
            replace(r, raw=WITHHELD, values=None, reason=_REASON_VALUE.sub(withheld, r.reason))
            for r in rows
        ]

    def error(self, exc: VismaHrmError) -> VismaHrmError:
        """A parse failure whose message may quote a row (pyarrow's does), without the quote."""
        exc.message = _PARSER_DETAIL.sub(f"({WITHHELD})", exc.message)
        exc.args = (exc.message,)
        return exc

    def marker_row(self, synced_at: dt.datetime) -> dict[str, Any]:
        return {
            "profile": PROFILE,
            "key_fingerprint": self.fingerprint(),
            "keys_pseudonymized": self.keys_too,
            "synced_at": synced_at,
            "load_id": dlt.current.load_package_state()["load_id"],
        }

    def _hashing(self, domain: str) -> Callable[[pa.ChunkedArray], pa.ChunkedArray | pa.Array]:
        def rule(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
            return _map_distinct(column, lambda v: self.pseudonym(domain, str(v)), column.type)

        return rule

    @staticmethod
    def _birth_year(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
        if pa.types.is_date(column.type):
            return _map_distinct(column, lambda v: dt.date(v.year, 1, 1), column.type)
        return _map_distinct(column, lambda v: _year_text(str(v)), column.type)


def _pc4(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """A Dutch postcode keeps its four digits; anything else (abroad, malformed) is emptied."""

    def four(value: Any) -> str | None:
        found = _PC4.match(str(value))
        return found.group(1) if found else None

    return _map_distinct(column, four, column.type)


def _year_text(value: str) -> str | None:
    found = re.match(r"^\s*(\d{4})-\d{2}-\d{2}", value)
    return f"{found.group(1)}-01-01" if found else None


def _map_distinct(
    column: pa.ChunkedArray, fn: Callable[[Any], Any], kind: pa.DataType
) -> pa.ChunkedArray | pa.Array:
    """Apply ``fn`` once per distinct value (HMAC per row would cost a batch 40x more)."""
    if column.null_count == len(column):
        return column
    encoded = column.combine_chunks().dictionary_encode()
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], type=kind)
    return pc.take(mapped, encoded.indices)


# --------------------------------------------------------------------------- destination
_MARKER_SCHEMA = pa.schema(
    [
        pa.field("profile", pa.string(), nullable=False),
        pa.field("key_fingerprint", pa.string(), nullable=False),
        pa.field("keys_pseudonymized", pa.bool_(), nullable=False),
        pa.field("synced_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("load_id", pa.string(), nullable=False),
    ]
)


def marker_resource(pseudonymizer: Pseudonymizer, synced_at: dt.datetime) -> Any:
    """The dlt resource writing this load's ``_visma_privacy`` row, in the same load package."""

    def rows() -> Any:
        yield pa.Table.from_pylist([pseudonymizer.marker_row(synced_at)], schema=_MARKER_SCHEMA)

    return dlt.resource(rows(), name=PRIVACY_TABLE, write_disposition="append")


@dataclass(frozen=True)
class Marker:
    key_fingerprint: str
    keys_pseudonymized: bool


def read_marker(client: SqlClient) -> Marker | None:
    """The newest loaded privacy marker of the destination (None: it holds clear data).

    Every marker row is read and the newest picked here: one row per load, and no
    ``LIMIT``/``TOP`` dialect to choose.
    """
    privacy = client.make_qualified_table_name(PRIVACY_TABLE)
    loads = client.make_qualified_table_name("_dlt_loads")
    try:
        rows = client.execute_sql(
            f"SELECT p.synced_at, p.load_id, p.key_fingerprint, p.keys_pseudonymized "
            f"FROM {privacy} p JOIN {loads} l ON l.load_id = p.load_id AND l.status = 0"
        )
    except DatabaseUndefinedRelation:
        return None
    if not rows:
        return None
    newest = max(rows, key=lambda r: (str(r[0]), str(r[1])))
    return Marker(str(newest[2]), bool(newest[3]))


def holds_data(client: SqlClient) -> bool:
    """Whether the destination holds any fully loaded export."""
    state = client.make_qualified_table_name(SYNC_STATE_TABLE)
    loads = client.make_qualified_table_name("_dlt_loads")
    try:
        found = client.execute_sql(
            f"SELECT count(*) FROM {state} s JOIN {loads} l ON l.load_id = s.load_id "
            "AND l.status = 0"
        )
    except DatabaseUndefinedRelation:
        return False
    return bool(found and int(found[0][0]))


def check_destination(client: SqlClient | None, pseudonymizer: Pseudonymizer | None) -> None:
    """Refuse a run that would mix clear values and pseudonyms, or pseudonyms of two keys.

    A destination without an SQL client (files) cannot be checked: the run goes on.
    """
    if client is None:
        return
    marker = read_marker(client)
    if pseudonymizer is None:
        if marker is not None:
            raise ConfigurationError(
                "This destination holds pseudonymized data: sync it with privacy_profile "
                "'pseudonymize' and the same pseudonym_key, or load clear data into another "
                "dataset or file."
            )
        return
    if marker is None:
        if holds_data(client):
            raise ConfigurationError(
                "This destination already holds clear (not pseudonymized) data: pseudonyms "
                "would sit next to clear values. Load the pseudonymized data into a new "
                "dataset (dataset_name) or DuckDB file (--duckdb-path)."
            )
        return
    if marker.key_fingerprint != pseudonymizer.fingerprint():
        raise ConfigurationError(
            "This destination's pseudonyms were made with another pseudonym_key: with this one "
            "the same people would get other pseudonyms. Use the original key, or load into a "
            "new dataset or DuckDB file."
        )
    if marker.keys_pseudonymized != pseudonymizer.keys_too:
        was = "replaced" if marker.keys_pseudonymized else "kept clear"
        raise ConfigurationError(
            f"This destination's keys (employeeid, contractid, userid) were {was}: set "
            "pseudonymize_keys as before, or load into a new dataset or DuckDB file."
        )


def columns_replaced(dataset: Dataset, keys_too: bool) -> Sequence[str]:
    """The dataset's catalog columns the profile replaces (for docs and tests)."""
    names = {
        *columns_with(*HASHED_ROLES, Role.POSTCODE, Role.BIRTH_DATE),
        *(KEY_DOMAINS if keys_too else ()),
    }
    return [c.name for c in dataset.columns if c.name in names]
