"""The optional ``sandbox`` extra: one clear line instead of a traceback when it is missing.

A production ``pip install visma-hrm`` pulls no web server: the sandbox's server dependencies
(starlette, uvicorn, faker) come with ``visma-hrm[sandbox]``. ``visma-hrm sandbox`` and
``visma-hrm demo`` call ``require_sandbox`` before they import the sandbox.
"""

from __future__ import annotations

import importlib

from visma_hrm.cli.common import EXIT_USAGE, fail

SANDBOX_PACKAGES = frozenset({"starlette", "uvicorn", "faker"})
SANDBOX_INSTALL = "pip install 'visma-hrm[sandbox]'"

_NEEDS = {
    "en": "{command} needs the sandbox extra ({missing} is not installed): {install}",
    "nl": "{command} heeft de sandbox-extra nodig ({missing} is niet geïnstalleerd): {install}",
}


def require_sandbox(command: str, lang: str = "en") -> None:
    """Exit 2 with the command that installs the sandbox extra when it is missing."""
    try:
        importlib.import_module("visma_hrm.sandbox")
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in SANDBOX_PACKAGES:
            raise
        template = _NEEDS.get(lang, _NEEDS["en"])
        message = template.format(command=command, missing=missing, install=SANDBOX_INSTALL)
        fail("missing_extra", message, EXIT_USAGE, lang)
