"""Privacy profiles: which columns stay at Visma (``contact``) or are pseudonymized before the
destination (``pseudonymize``), as the ``privacy_profile`` setting names them."""

from __future__ import annotations

from visma_hrm.catalog.columns import Dataset
from visma_hrm.catalog.datasets import EXPORT_SCOPE_PREFIX

CONTACT_SCOPE = f"{EXPORT_SCOPE_PREFIX}contactinformation"
"""Optional scope for private contact columns; not required by any dataset."""

PRIVACY_PROFILES: dict[str, str] = {
    "contact": "Exclude private contact and address columns (home address, private e-mail, "
    "private phone numbers) at the API: they never leave Visma.",
    "pseudonymize": "Replace names, e-mail addresses, phone numbers, streets and house numbers "
    "by keyed hashes (HMAC with pseudonym_key), birth dates by the birth year and postcodes by "
    "their four digits, before anything reaches the destination (visma_hrm.load.pseudonyms).",
}


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
    values in the source (``visma_hrm.load.pseudonyms``).
    """
    if "contact" in privacy_profiles(profile):
        return dataset.contact_columns()
    return ()
