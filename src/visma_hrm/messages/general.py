"""Every command's error and warning line, and the refusal of an unknown language.

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- general ---------------------------------------------------------------------------
    "error.line": "error ({code}): {message}",
    "warning.line": "warning: {message}",
    "error.lang": "Unknown language {value}; choose one of: {known}.",
}

NL: dict[str, str] = {
    "error.line": "fout ({code}): {message}",
    "warning.line": "waarschuwing: {message}",
    "error.lang": "Onbekende taal {value}; kies uit: {known}.",
}
