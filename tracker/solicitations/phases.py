"""The phases of a draft for comment from a higher level, declared as a table (workflow/machine.py)."""

from __future__ import annotations

from tracker.solicitations.models import SolicitationPhase
from tracker.workflow.machine import Machine, Transition

S = SolicitationPhase
_OPEN = frozenset({S.REGISTERED, S.DRAFTING})
_HANDLERS_ONLY = "只有司法所审查员或党政办文秘可以办理上级征求意见。"

# fmt: off
SOLICITATION_TRANSITIONS: tuple[Transition, ...] = (
    Transition("reply", "保存答复意见", _OPEN, S.DRAFTING, "solicitation", field="phase",
               wrong_state="该征求意见已答复，不能再修改。", not_allowed=_HANDLERS_ONLY),
    Transition("sent", "登记答复", _OPEN, S.SENT, "solicitation", field="phase", style="success",
               wrong_state="该征求意见已登记答复。", not_allowed=_HANDLERS_ONLY),
    Transition("no_comment", "登记无意见", _OPEN, S.NO_COMMENT, "solicitation", field="phase", style="secondary",
               wrong_state="该征求意见已登记答复。", not_allowed=_HANDLERS_ONLY),
)
# fmt: on

SOLICITATION = Machine(
    SOLICITATION_TRANSITIONS,
    object_type="solicitation",
    audit_prefix="solicitation",
    what="征求意见",
    stamp="updated_at",
)


def initial_phase(*, assigned: bool) -> SolicitationPhase:
    """Registered with a handler named, the reply is being drafted at once; otherwise it waits for one."""
    return S.DRAFTING if assigned else S.REGISTERED


# Still waiting for the town's reply (the deadline runs).
OPEN_PHASES = SOLICITATION.sources_of("sent", "no_comment")
ANSWERED_PHASES = frozenset(SolicitationPhase) - OPEN_PHASES
