"""Every Word output the office has, in the order of the template page: one TemplateSpec per kind."""

from __future__ import annotations

from tracker.city import word as city_word
from tracker.cleanup import word as cleanup_word
from tracker.filing import opinion_word as filing_opinion_word
from tracker.filing import word as filing_word
from tracker.reports import word as reports_word
from tracker.review import deliberation_word
from tracker.review import word as review_word
from tracker.solicitations import word as solicitations_word
from tracker.word.models import OutputKind
from tracker.word.spec import TemplateSpec

KINDS: tuple[TemplateSpec, ...] = (
    review_word.SPEC,
    filing_word.SPEC,
    cleanup_word.SPEC,
    reports_word.SPEC,
    solicitations_word.SPEC,
    deliberation_word.SPEC,
    filing_opinion_word.SPEC,
    city_word.SPEC,
)
SPECS: dict[OutputKind, TemplateSpec] = {spec.kind: spec for spec in KINDS}


def spec_for(kind: OutputKind) -> TemplateSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise LookupError(f"no Word template for {kind.value}") from None
