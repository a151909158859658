"""The explicit tuple of Word outputs: every kind has a spec, and every sample fills exactly its fields."""

from __future__ import annotations

from tracker.outputs.kinds import SPECS
from tracker.word.models import OutputKind


def test_every_sample_has_exactly_the_declared_fields():
    for kind, spec in SPECS.items():
        for sample in spec.samples():
            assert set(sample) == set(spec.names), kind


def test_specs_cover_every_output_kind():
    assert set(SPECS) == set(OutputKind)
    for spec in SPECS.values():
        assert spec.required <= spec.names
