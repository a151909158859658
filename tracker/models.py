"""Imports every model so the metadata is complete (Alembic autogenerate, create_all in tests)."""

from tracker.api.models import ApiToken
from tracker.audit.models import AuditEvent
from tracker.auth.models import LoginFailure, Role, Unit, UnitKind, User
from tracker.cleanup.models import CleanupCampaign, CleanupItem, Evaluation
from tracker.deadlines.models import Alert, CalendarDay, CalendarYear, JobRun, ReminderSend, Rule, Setting
from tracker.documents.models import (
    Attachment,
    Document,
    DocumentBasis,
    DocumentRelation,
    DocumentVersion,
    LegalSource,
    StoredFile,
)
from tracker.filing.models import Filing, FilingAttempt
from tracker.opinions.models import GeneratedDocument, TemplateVersion
from tracker.publication.models import NumberCounter, Publication
from tracker.review.models import (
    Conclusion,
    Consultation,
    ConsultationComment,
    Deliberation,
    Finding,
    Opinion,
    ProcedureCheck,
    ReviewPointResult,
    ReviewRound,
)
from tracker.solicitations.models import Solicitation

__all__ = [
    "ApiToken",
    "Alert",
    "Attachment",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "CleanupCampaign",
    "CleanupItem",
    "Conclusion",
    "Consultation",
    "ConsultationComment",
    "Deliberation",
    "Document",
    "DocumentBasis",
    "DocumentRelation",
    "DocumentVersion",
    "Evaluation",
    "Filing",
    "FilingAttempt",
    "Finding",
    "GeneratedDocument",
    "JobRun",
    "LegalSource",
    "LoginFailure",
    "NumberCounter",
    "Opinion",
    "ProcedureCheck",
    "Publication",
    "ReminderSend",
    "ReviewPointResult",
    "ReviewRound",
    "Role",
    "Rule",
    "Setting",
    "Solicitation",
    "StoredFile",
    "TemplateVersion",
    "Unit",
    "UnitKind",
    "User",
]
