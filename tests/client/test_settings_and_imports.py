"""Small contracts: field selection syntax, secrets stay wrapped, no sandbox import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from visma_hrm.client import ClientSettings, FieldSelection
from visma_hrm.redact import Secret

CLIENT_DIR = Path(__file__).resolve().parents[2] / "src" / "visma_hrm" / "client"


def test_field_selection_syntax() -> None:
    assert FieldSelection(include=("a", "b")).to_param() == "a,b"
    assert FieldSelection(exclude=("a", "b")).to_param() == "!a,b"
    assert FieldSelection().to_param() is None
    with pytest.raises(ValueError, match="not both"):
        FieldSelection(include=("a",), exclude=("b",))
    with pytest.raises(ValueError):
        FieldSelection(exclude=("!a",))


def test_settings_keep_the_secret_wrapped() -> None:
    settings = ClientSettings("https://a", "https://t", "isv_x", Secret("hunter2"))
    assert "hunter2" not in repr(settings)
    assert settings.user_agent.startswith("visma-hrm/")
    with pytest.raises(TypeError):
        ClientSettings("https://a", "https://t", "isv_x", "hunter2")  # type: ignore[arg-type]


def test_client_package_never_imports_the_sandbox() -> None:
    offenders = []
    files = sorted(CLIENT_DIR.glob("*.py"))
    assert len(files) >= 6
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                names += [f"{node.module}.{alias.name}" for alias in node.names]
            offenders += [f"{path.name}: {n}" for n in names if "sandbox" in n.split(".")]
    assert offenders == []
