"""What a run asks for: which tenants, which datasets, which fields, and from where each starts.

The user's settings are read here once (the client's settings are built from them here too):
an unknown dataset, a ``fields`` value that drops a key column or an unknown privacy profile
stops the run before anything is asked. ``Plan`` then answers, per
(tenant, dataset), whether the export is full or incremental: full on the first run, on
``--full-refresh`` and when the column selection changed since the stored position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from visma_hrm.catalog import DATASETS, Dataset, privacy_excludes
from visma_hrm.client.settings import ClientSettings, FieldSelection
from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.positions import Positions


def client_settings_from(cfg: Settings) -> ClientSettings:
    """The client's settings a run uses (built by ``Settings.client_settings``, the one place).

    ``visma-hrm sync`` and the reusable dlt source (``visma_hrm.dlt_source``) both call it;
    the client's rarely changed waits (retries, backoff) keep their defaults.
    """
    return cfg.client_settings()


def wanted_datasets(cfg: Settings) -> tuple[list[Dataset], bool]:
    """The datasets to ask for, and whether they were named explicitly (then unapproved = error)."""
    if not cfg.datasets:
        return list(DATASETS.values()), False
    unknown = [name for name in cfg.datasets if name not in DATASETS]
    if unknown:
        raise ConfigurationError(
            f"Unknown dataset(s): {', '.join(unknown)}. Known datasets: {', '.join(DATASETS)}."
        )
    return [DATASETS[name] for name in dict.fromkeys(cfg.datasets)], True


def field_selection(cfg: Settings, dataset: Dataset) -> FieldSelection | None:
    """The ``fields`` pushed down to the API for one dataset (user spec plus privacy profile).

    Key columns are always kept: the merge needs them, so including a list adds them and
    excluding one is refused.
    """
    if unknown := sorted(set(cfg.fields) - set(DATASETS)):
        raise ConfigurationError(
            f"fields name unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}."
        )
    include, exclude = parse_fields_spec(cfg.fields.get(dataset.name, ""))
    if cfg.privacy_profile:
        try:
            private = privacy_excludes(cfg.privacy_profile, dataset)
        except KeyError as exc:
            raise ConfigurationError(str(exc.args[0])) from None
        if include:
            include = tuple(c for c in include if c not in private)
        else:
            exclude = tuple(dict.fromkeys((*exclude, *private)))
    keys = dataset.primary_key
    if bad := [c for c in exclude if c in keys]:
        raise ConfigurationError(
            f"fields for {dataset.name} exclude key column(s) {', '.join(bad)}: rows could not "
            "be told apart without them."
        )
    try:
        if include:
            return FieldSelection(include=tuple(dict.fromkeys((*keys, *include))))
        return FieldSelection(exclude=exclude) if exclude else None
    except ValueError as exc:
        raise ConfigurationError(f"fields for {dataset.name}: {exc}") from None


def parse_fields_spec(spec: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``a,b`` -> include (a, b); ``!a,b`` -> exclude (a, b); empty -> nothing."""
    spec = spec.strip()
    negate = spec.startswith("!")
    names = tuple(p.strip() for p in spec.lstrip("!").split(",") if p.strip())
    if any(n.startswith("!") for n in names):
        raise ConfigurationError(f"fields {spec!r}: put '!' once, in front of the whole list.")
    return ((), names) if negate else (names, ())


@dataclass(frozen=True)
class Plan:
    """The run's tenants, datasets and field selections, and where each pair stands."""

    tenants: Sequence[str]
    datasets: Sequence[Dataset]
    explicit: bool
    selections: dict[str, FieldSelection | None]
    positions: Positions
    full_refresh: bool

    def since(self, tenant_id: str, dataset: str) -> str | None:
        if self.full_refresh or self.fields_changed(tenant_id, dataset):
            return None
        return self.positions.cursor(tenant_id, dataset)

    def fields_changed(self, tenant_id: str, dataset: str) -> bool:
        """The column selection differs from the last export's: stored rows do not match it.

        Rows an incremental export does not resend would keep the old selection's columns
        (a widened selection would leave them empty), so the export is full.
        """
        if (tenant_id, dataset) not in self.positions.by_pair:
            return False
        selection = self.selections.get(dataset)
        wanted = selection.to_param() if selection else None
        return self.positions.fields(tenant_id, dataset) != wanted

    def selection_notes(self) -> list[str]:
        """One note per dataset whose export is full because its column selection changed."""
        changed = sorted(
            {d.name for t in self.tenants for d in self.datasets if self.fields_changed(t, d.name)}
        )
        return [
            f"{name}: the column selection (fields, privacy profile) changed since the last "
            "export, so this export is full."
            for name in changed
        ]
