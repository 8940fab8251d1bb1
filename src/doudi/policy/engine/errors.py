"""Errors raised by the policy engine.

They carry the same ``code``/``message``/``extra`` triple as ``doudi.core.errors.DomainError`` so
the API layer can show them unchanged, but the engine defines its own class because it must not
depend on any other app (it is imported by bulk simulations that never load Django).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class EngineErrorCode(StrEnum):
    INVALID_FACTS = "invalid_facts"
    INVALID_POLICY = "invalid_policy"


class EngineError(Exception):
    """Base class: a document given to the engine cannot be used."""

    code: str = "engine_error"

    def __init__(self, problems: list[str], paths: list[str] | None = None):
        self.problems = list(problems)
        self.message = "；".join(self.problems)
        self.extra: dict[str, Any] = {"problems": self.problems, "paths": list(paths or [])}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "extra": self.extra}


class FactsError(EngineError):
    """A household document is malformed; each problem names the field path in Chinese."""

    code = EngineErrorCode.INVALID_FACTS


class PolicyError(EngineError):
    """A policy document or resolved policy is unusable; each problem names the parameter."""

    code = EngineErrorCode.INVALID_POLICY
