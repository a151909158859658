"""Imports every model so the metadata is complete (Alembic autogenerate, create_all in tests)."""

from tracker.alerts.models import Alert, ReminderSend
from tracker.audit.models import AuditEvent
from tracker.auth.api_tokens import ApiToken
from tracker.auth.models import LoginFailure, Role, Unit, UnitKind, User
from tracker.cleanup.models import CityCampaign, CleanupCampaign, CleanupItem, Evaluation
from tracker.common.numbering import NumberCounter
from tracker.common.stamp import RecordStamp
from tracker.documents.models import Attachment, Document, DocumentBasis, DocumentRelation, DocumentVersion, LegalSource
from tracker.files.models import StoredFile
from tracker.filing.models import Filing, FilingAttempt
from tracker.publication.models import NumberPattern, Publication
from tracker.review.models import (
    Consultation,
    ConsultationComment,
    Deliberation,
    Finding,
    Opinion,
    PrecheckFlag,
    PrecheckRuleSetting,
    ProcedureCheck,
    ReviewPointResult,
    ReviewRound,
)
from tracker.rules.models import CalendarDay, CalendarYear, Conclusion, Rule, Setting
from tracker.scheduler.models import JobRun
from tracker.solicitations.models import Solicitation
from tracker.word.models import GeneratedDocument, TemplateVersion

__all__ = [
    "ApiToken",
    "Alert",
    "Attachment",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "CityCampaign",
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
    "NumberPattern",
    "Opinion",
    "PrecheckFlag",
    "PrecheckRuleSetting",
    "ProcedureCheck",
    "Publication",
    "ReminderSend",
    "ReviewPointResult",
    "ReviewRound",
    "Role",
    "RecordStamp",
    "Rule",
    "Setting",
    "Solicitation",
    "StoredFile",
    "TemplateVersion",
    "Unit",
    "UnitKind",
    "User",
]
