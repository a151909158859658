"""What a Word template may use: its fields (with labels for the office), the required ones, sample contexts.

Each domain that produces an output declares one TemplateSpec in its word.py (fields, samples built by the same
context function as the real record); the engine validates uploaded templates against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracker.word.models import OutputKind


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    items: str = ""  # for lists: what each item holds, for the help table


@dataclass(frozen=True)
class TemplateSpec:
    kind: OutputKind
    fields: tuple[Field, ...]
    samples: Callable[[], list[dict]]

    @property
    def builtin(self) -> str:
        """The built-in template's file name under tracker/word/docx/."""
        return f"{self.kind.value}.docx"

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.required)


@dataclass(frozen=True)
class Label:
    """A stand-in for a LabelledEnum member in sample records (hashable, with a label)."""

    label: str
