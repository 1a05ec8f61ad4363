"""What a run does, decided once: the user's settings validated into a frozen ``RunPlan``.

Every entry point (the CLI, Dagster, Airflow, ``visma_hrm_source``) turns its settings into a
``RunPlan`` with ``RunPlan.of`` before anything is asked of Visma, and the engine carries it
through extract, load and the after-load steps: a setting means the same wherever it is read.
An unknown dataset, a ``fields`` value that drops a key column or names a column close to a
known one (a typo that would let that very column through), an unknown privacy profile, a
missing pseudonym key, a bad retention or history setting: each stops the run here.

``Plan`` adds where each (tenant, dataset) stands in the destination: full or incremental.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from visma_hrm.catalog import DATASETS, Dataset, privacy_excludes
from visma_hrm.client.settings import ClientSettings, FieldSelection
from visma_hrm.config import Settings, close_match
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.positions import Positions
from visma_hrm.load.pseudonyms import Pseudonymizer
from visma_hrm.messages import Note

EntryPoint = Literal["cli", "dagster", "airflow", "source"]
RETENTION_ACTIONS = ("empty", "remove")
PAY_EVENTS = ("salary_change", "scale_change", "step_change")
"""The change feed's opt-in events on a contract's pay (``change_feed_events``)."""
CUSTOM_FIELD_EVENT = "custom_field:"
"""``custom_field:<field name>``: the feed's opt-in event for one custom field."""


@dataclass(frozen=True)
class FeedEvents:
    """The change feed's opt-in events (``change_feed_events``): none unless asked for, since
    pay and custom fields are sensitive."""

    pay: tuple[str, ...] = ()
    """Of ``PAY_EVENTS``."""
    custom_fields: tuple[str, ...] = ()
    """Field names, as Visma exports them."""

    @classmethod
    def from_settings(cls, cfg: Settings) -> FeedEvents:
        pay: list[str] = []
        fields: list[str] = []
        for entry in (e.strip() for e in cfg.change_feed_events):
            if entry in PAY_EVENTS:
                pay.append(entry)
            elif entry.startswith(CUSTOM_FIELD_EVENT) and entry[len(CUSTOM_FIELD_EVENT) :].strip():
                fields.append(entry[len(CUSTOM_FIELD_EVENT) :].strip())
            else:
                close = close_match(entry, PAY_EVENTS)
                hint = f" Did you mean {close}?" if close else ""
                raise ConfigurationError(
                    f"change_feed_events: {entry!r} is not an event.{hint} Known: "
                    f"{', '.join(PAY_EVENTS)}, {CUSTOM_FIELD_EVENT}<field name>."
                )
        if (pay or fields) and cfg.change_feed is False:
            raise ConfigurationError(
                "change_feed_events names events of the change feed, which change_feed = false "
                "turns off: leave change_feed out or set change_feed = true as well "
                "(docs/changes.md)."
            )
        return cls(tuple(dict.fromkeys(pay)), tuple(dict.fromkeys(fields)))


@dataclass(frozen=True)
class RetentionRule:
    """``retention``: empty (or remove) the data of people gone more than ``years``."""

    years: int
    action: str = "empty"

    @classmethod
    def from_settings(cls, cfg: Settings) -> RetentionRule | None:
        if cfg.retention is None:
            return None
        if cfg.retention < 1:
            raise ConfigurationError("retention must be a whole number of years, at least 1.")
        if cfg.retention_action not in RETENTION_ACTIONS:
            raise ConfigurationError(
                f"retention_action must be one of {', '.join(RETENTION_ACTIONS)}, "
                f"not {cfg.retention_action!r}."
            )
        return cls(cfg.retention, cfg.retention_action)

    def cutoff(self, today: dt.date) -> dt.date:
        """The day N years before ``today`` (29 February falls back to the 28th)."""
        try:
            return today.replace(year=today.year - self.years)
        except ValueError:
            return today.replace(year=today.year - self.years, day=28)


@dataclass(frozen=True)
class RunPlan:
    """A run's settings, validated once: what every phase and step reads."""

    settings: Settings
    client: ClientSettings
    tenants: tuple[str, ...]
    datasets: tuple[Dataset, ...]
    explicit: bool
    """Datasets named explicitly: one the customer did not approve is an error, not skipped."""
    selections: Mapping[str, FieldSelection | None]
    pseudonymizer: Pseudonymizer | None
    retention: RetentionRule | None
    history: tuple[Dataset, ...]
    change_feed: bool
    feed_events: FeedEvents
    full_refresh: bool
    entry_point: EntryPoint
    warnings: tuple[str, ...] = ()
    compact_after_erasure: bool = True
    """Erase removed values from the destination's bytes at the end of a run that removed
    some (``visma_hrm.sync.runlog``)."""

    @classmethod
    def of(
        cls, settings: Settings, *, full_refresh: bool = False, entry_point: EntryPoint = "cli"
    ) -> RunPlan:
        """Validate ``settings`` for one run; raises ``ConfigurationError`` naming the setting."""
        client = settings.client_settings()
        datasets, explicit = wanted_datasets(settings)
        warnings = field_warnings(settings.fields)
        check_model_fields(settings.model_custom_fields)
        return cls(
            settings=settings,
            client=client,
            tenants=tuple(dict.fromkeys(settings.require_tenants())),
            datasets=tuple(datasets),
            explicit=explicit,
            selections={d.name: field_selection(settings, d) for d in datasets},
            pseudonymizer=Pseudonymizer.from_settings(settings),
            retention=RetentionRule.from_settings(settings),
            history=tuple(history_datasets(settings.history, datasets)),
            change_feed=settings.change_feed is not False,
            feed_events=FeedEvents.from_settings(settings),
            full_refresh=full_refresh,
            entry_point=entry_point,
            warnings=tuple(warnings),
            compact_after_erasure=settings.compact_after_erasure,
        )

    def wanted_steps(self) -> dict[str, str]:
        """Each after-load step the settings ask for, with the setting that asks for it."""
        wanted = {"deletions": "deletions"}
        if any(self.selections.values()):
            wanted["exclusions"] = "fields" if self.settings.fields else "privacy_profile"
        if self.retention is not None:
            wanted["retention"] = "retention"
        if self.history:
            wanted["history"] = "history"
        if self.change_feed:
            wanted["change_feed"] = "change_feed"
        return wanted

    def where_supported(self, supports: Callable[[str], bool]) -> tuple[RunPlan, list[Note]]:
        """The plan for a destination: the change feed, on by default, is left out where the
        destination cannot keep it (and said so); asked for explicitly it stays, and is refused."""
        if not self.change_feed or self.settings.change_feed or supports("change_feed"):
            return self, []
        return replace(self, change_feed=False), [Note("note.feed_not_kept")]

    def selection_param(self, dataset: str) -> str | None:
        """The ``fields`` value sent to the API for ``dataset`` (None: every column)."""
        selection = self.selections.get(dataset)
        return selection.to_param() if selection else None


def check_model_fields(names: Sequence[str]) -> None:
    """``model_custom_fields``: ``all`` or field names; which fields exist the data says, when
    ``visma-hrm model`` runs."""
    if any(not n.strip() for n in names):
        raise ConfigurationError(
            "model_custom_fields: a field name is empty. Give field names as Visma exports them, "
            "or all (the default), or an empty list for none."
        )


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


def history_datasets(setting: Sequence[str], loaded: Sequence[Dataset]) -> list[Dataset]:
    """The loaded datasets the ``history`` setting names (``all`` names every one)."""
    unknown = sorted(set(setting) - {"all", *DATASETS})
    if unknown:
        raise ConfigurationError(
            f"history: unknown dataset(s) {', '.join(unknown)}; known: all, {', '.join(DATASETS)}."
        )
    wanted = set(DATASETS) if "all" in setting else set(setting)
    return [d for d in loaded if d.name in wanted]


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


def field_warnings(fields: Mapping[str, str]) -> list[str]:
    """Check ``fields`` names against the catalog before anything is asked of Visma.

    Returns warnings; raises ``ConfigurationError`` for what is certainly wrong:

    * an unknown dataset is an error (the catalog lists every dataset the API has);
    * a column close to a known one is an error: it is a typo, and in an exclude list a typo
      would let the very column through that was meant to stay at Visma;
    * any other unknown column is a warning: Visma adds columns without notice, so it may be
      new at the source; it is passed on to the API as given.
    """
    warnings: list[str] = []
    for dataset_name, spec in fields.items():
        dataset = DATASETS.get(dataset_name)
        if dataset is None:
            close = close_match(dataset_name, DATASETS)
            hint = f" Did you mean {close}?" if close else ""
            raise ConfigurationError(
                f"fields names unknown dataset {dataset_name!r}.{hint} Known datasets: "
                f"{', '.join(DATASETS)}."
            )
        known = [c.name for c in dataset.columns]
        for name in (n.strip() for n in spec.strip().lstrip("!").split(",") if n.strip()):
            if name.lstrip("!") in known:
                continue
            if close := close_match(name.lower(), known):
                raise ConfigurationError(
                    f"fields {dataset_name}: {name!r} is not a column of {dataset_name}. "
                    f"Did you mean {close}? (`visma-hrm datasets {dataset_name}` lists them.)"
                )
            warnings.append(
                f"fields {dataset_name}: {name!r} is not in the catalog; it may be a column "
                "new at the source, so it is passed on to the API as given."
            )
    return warnings


@dataclass(frozen=True)
class Plan:
    """A run's plan with the destination's positions: where each (tenant, dataset) starts."""

    run: RunPlan
    positions: Positions

    @property
    def tenants(self) -> tuple[str, ...]:
        return self.run.tenants

    @property
    def datasets(self) -> tuple[Dataset, ...]:
        return self.run.datasets

    @property
    def explicit(self) -> bool:
        return self.run.explicit

    def selection(self, dataset: str) -> FieldSelection | None:
        return self.run.selections.get(dataset)

    def since(self, tenant_id: str, dataset: str) -> str | None:
        if self.run.full_refresh or self.fields_changed(tenant_id, dataset):
            return None
        return self.positions.cursor(tenant_id, dataset)

    def fields_changed(self, tenant_id: str, dataset: str) -> bool:
        """The column selection differs from the last export's: stored rows do not match it.

        Rows an incremental export does not resend would keep the old selection's columns
        (a widened selection would leave them empty), so the export is full.
        """
        if (tenant_id, dataset) not in self.positions.by_pair:
            return False
        return self.positions.fields(tenant_id, dataset) != self.run.selection_param(dataset)

    def changed_selections(self) -> list[str]:
        """The datasets whose export is full because their column selection changed."""
        return sorted(
            {d.name for t in self.tenants for d in self.datasets if self.fields_changed(t, d.name)}
        )
