"""The language of one report page: its words, definitions, and number and date formats.

Dutch pages write ``1.234,5`` and ``3 mrt 2025``; English pages ``1,234.5`` and ``3 Mar 2025``.
Every section and chart formats through one ``Page``, so a page never mixes the two.
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

from visma_hrm.report.texts import DEFINITIONS, LABELS, MONTHS


class Page:
    """Number and date formats and the words of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.words = LABELS[lang]
        self.defs = DEFINITIONS[lang]

    def t(self, key: str) -> str:
        return self.words.get(key, key)

    def num(self, value: float | Decimal | int | None, digits: int = 0) -> str:
        if value is None:
            return "-"
        text = f"{float(value):,.{digits}f}"
        if self.lang == "nl":
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return text

    def month(self, day: dt.date) -> str:
        return f"{MONTHS[self.lang][day.month - 1]} {day.year}"

    def date(self, day: dt.date) -> str:
        if self.lang == "nl":
            return f"{day.day} {MONTHS['nl'][day.month - 1]} {day.year}"
        return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"

    def info(self, key: str) -> str:
        """The definition one hover (title) or one click (details) away."""
        text = html.escape(self.defs[key])
        label = html.escape(self.t("definition"))
        return (
            f'<details class="def" data-def="{key}"><summary title="{text}" '
            f'aria-label="{label}">i</summary><p>{text}</p></details>'
        )
