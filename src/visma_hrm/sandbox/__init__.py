"""A faithful local Visma Connect + HRM analytics API with synthetic Dutch HR data.

Plays Visma's side of the HTTP conversation independently of the connector (it never imports
``visma_hrm.catalog`` or ``visma_hrm.client``). See ``docs/sandbox.md``.
"""

from visma_hrm.sandbox.config import TOKEN_ERROR_SHAPES, FaultConfig, SandboxConfig
from visma_hrm.sandbox.server import Sandbox, start_sandbox
from visma_hrm.sandbox.world import SandboxEvent

__all__ = [
    "TOKEN_ERROR_SHAPES",
    "FaultConfig",
    "Sandbox",
    "SandboxConfig",
    "SandboxEvent",
    "start_sandbox",
]
