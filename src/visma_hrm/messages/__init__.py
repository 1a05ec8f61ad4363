"""The words the CLI says to a person, in English and Dutch: the one place they are looked up.

The words themselves live per area, each module with an ``EN`` and an ``NL`` dictionary:
``general`` (every command's error line), ``onboarding`` (``check``, ``init``, ``datasets``,
translated in full), ``sync``, ``analytics`` (also ``report`` and ``model``'s lines), ``changes``,
``demo`` (also ``sandbox``), ``warehouse`` (what the read commands find at the path they are
given), ``operations`` (``status``, ``tenants``, ``maintain``, the engine's erasure notes).
Those translate their own fixed words (titles, column headers, statuses, verdicts), while the
sentences the sync engine writes into its report (notes, warnings, error causes) are English
in both languages for now.

A plain dictionary per language is enough: the catalog is small, every key exists in every
language (a test checks keys and placeholders match), and a missing Dutch text falls back to
English rather than failing in front of a user.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping

from visma_hrm.messages import (
    analytics,
    changes,
    demo,
    engine,
    general,
    onboarding,
    operations,
    sync,
    warehouse,
)

LANGUAGES = ("en", "nl")
DEFAULT_LANG = "en"

_AREAS = (general, onboarding, sync, engine, analytics, changes, demo, warehouse, operations)


def _merged(language: str) -> dict[str, str]:
    """One language's words from every area; a key defined twice is a bug, caught at import."""
    merged: dict[str, str] = {}
    for area in _AREAS:
        words: dict[str, str] = getattr(area, language)
        twice = merged.keys() & words.keys()
        if twice:
            raise RuntimeError(f"messages defined twice: {sorted(twice)}")
        merged.update(words)
    return merged


_EN = _merged("EN")
_NL = _merged("NL")
CATALOG: Mapping[str, Mapping[str, str]] = {"en": _EN, "nl": _NL}


def normalize_lang(lang: str | None) -> str:
    """``nl``, ``NL``, ``nl_NL.UTF-8`` -> ``nl``; anything unknown or empty -> English."""
    if not lang:
        return DEFAULT_LANG
    short = lang.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return short if short in CATALOG else DEFAULT_LANG


def is_known_lang(lang: str) -> bool:
    return lang.strip().lower() in CATALOG


def text(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The message ``key`` in ``lang`` (English if missing there), filled with ``values``."""
    template = CATALOG[normalize_lang(lang)].get(key) or _EN[key]
    return template.format(**values)


def number(value: object, lang: str = DEFAULT_LANG, grouping: bool = True) -> str:
    """A count or decimal as the reader writes it: ``1,234.5`` in English, ``1.234,5`` in
    Dutch, where ``1,234`` would read as a fraction. ``grouping`` adds thousands separators
    to whole numbers."""
    if isinstance(value, int) and not isinstance(value, bool) and grouping:
        shown = f"{value:,}"
    else:
        shown = str(value)
    if normalize_lang(lang) != "nl":
        return shown
    return shown.translate(str.maketrans(",.", ".,"))


def placeholders(template: str) -> set[str]:
    """Names a template expects; used by the test that keeps both languages in step."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def short_tenant(tenant_id: str) -> str:
    """The first block of a GUID: enough to tell a customer's databases apart on screen."""
    return tenant_id if len(tenant_id) <= 13 else tenant_id[:8] + "…"


def env_lang() -> str | None:
    """``VISMA_HRM_LANG`` when set, for messages printed before settings could be loaded."""
    return os.environ.get("VISMA_HRM_LANG") or None


class Note(str):
    """A sentence the engine writes into its report: English text, readable in any language.

    A ``str`` (the English text, as ``--json`` and scripts read it) that keeps its message key
    and values, so the command line shows it in the user's language (``in_lang``). ``changed``
    is False for a note that says a step found nothing to do: shown with ``--verbose`` only.
    """

    key: str
    values: dict[str, object]
    changed: bool

    def __new__(cls, key: str, *, changed: bool = True, **values: object) -> Note:
        note = super().__new__(cls, text(key, "en", **_shown(values, "en")))
        note.key, note.values, note.changed = key, values, changed
        return note

    def __reduce__(self) -> tuple[object, ...]:
        return (_note, (self.key, self.changed, self.values))

    def in_lang(self, lang: str) -> str:
        return text(self.key, lang, **_shown(self.values, lang))


def _note(key: str, changed: bool, values: dict[str, object]) -> Note:
    return Note(key, changed=changed, **values)


def _shown(values: dict[str, object], lang: str) -> dict[str, object]:
    """Counts written as the reader writes them (1,234 / 1.234)."""
    return {k: number(v, lang) if isinstance(v, int) else v for k, v in values.items()}
