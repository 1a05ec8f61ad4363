"""The English and Dutch catalogs stay in step: same keys, same placeholders, no blanks."""

from __future__ import annotations

import pytest

from visma_hrm.messages import CATALOG, normalize_lang, placeholders, text


def test_every_key_exists_in_every_language_with_the_same_placeholders() -> None:
    english = CATALOG["en"]
    for lang, catalog in CATALOG.items():
        assert set(catalog) == set(english), f"{lang} differs in keys"
        for key, template in catalog.items():
            assert template.strip(), f"{lang}:{key} is empty"
            assert placeholders(template) == placeholders(english[key]), f"{lang}:{key}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("nl", "nl"),
        ("NL", "nl"),
        ("nl_NL.UTF-8", "nl"),
        ("nl-BE", "nl"),
        ("fr", "en"),
        (None, "en"),
    ],
)
def test_language_names_are_normalised_with_english_as_fallback(
    given: str | None, expected: str
) -> None:
    assert normalize_lang(given) == expected


def test_dutch_sentences_use_the_manuals_words() -> None:
    sentence = text("problem.tenant_not_linked", "nl", tenant="t-1")
    for word in ("invitatiecode", "My Apps", "Integrate", "Integrations > Customers", "t-1"):
        assert word in sentence
    refused = text("problem.dataset_refused", "nl", tenant="t-1", dataset="contracts")
    assert "afgewezen (grijs)" in refused and "accepteren (groen)" in refused


def test_numbers_are_written_as_the_reader_writes_them() -> None:
    from decimal import Decimal

    from visma_hrm.messages import number

    assert number(1234567, "en") == "1,234,567"
    assert number(1234567, "nl") == "1.234.567"  # "1,234" would read as a fraction in Dutch
    assert number(Decimal("5.30"), "nl") == "5,30"
    assert number(1234, "nl", grouping=False) == "1234"
    assert number(12.5, "en") == "12.5"
