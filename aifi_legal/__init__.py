"""aifi-legal: the legal document set of every hospital that joins AIFI.

The library comes first; the `aifi-legal` command is a thin layer over it::

    from aifi_legal import load_project
    project = load_project()            # or load_project("my-workspace/hospitals.yaml")
    result = project.build("out", hospitals=["maas-en-waal"])
"""

from ._version import __version__
from .assembly.assemble import AssembledDocument
from .assembly.clauses import load_clauses
from .checks.findings import CheckReport, Finding
from .documents import KINDS, DocumentRef
from .errors import (
    AifiLegalError,
    ClauseError,
    ConversionError,
    DataError,
    InputError,
    LedgerError,
    OutputError,
    PdfError,
    Problem,
    TemplateError,
    UsageError,
)
from .inputs.portfolio import json_schema, load_portfolio
from .inputs.workspace import init_workspace
from .output.manifest import BuiltDocument
from .output.result import BuildResult
from .project import Project, load_project
from .register.intake import IntakeReport, IntakeResult
from .register.ledger import Event, Register
from .register.notices import DpiaReview, NoticeStatus
from .register.remind import Reminder, ReminderReport, SigningStep, Skipped
from .register.roles import SignatureRole
from .register.status import DocumentStatus, GroupStatus, StatusReport
from .review.addendum import Addendum
from .review.changes import ClauseChange
from .review.diff import DiffReport, DocumentDiff
from .review.plan import AmendmentPlan, HospitalAmendments, Notice, Provision
from .review.report import ProgressReport

__all__ = [
    "KINDS",
    "Addendum",
    "AifiLegalError",
    "AmendmentPlan",
    "AssembledDocument",
    "BuildResult",
    "BuiltDocument",
    "CheckReport",
    "ClauseChange",
    "ClauseError",
    "ConversionError",
    "DataError",
    "DiffReport",
    "DocumentDiff",
    "DocumentRef",
    "DocumentStatus",
    "DpiaReview",
    "Event",
    "Finding",
    "GroupStatus",
    "HospitalAmendments",
    "InputError",
    "IntakeReport",
    "IntakeResult",
    "LedgerError",
    "Notice",
    "NoticeStatus",
    "OutputError",
    "PdfError",
    "Problem",
    "ProgressReport",
    "Project",
    "Provision",
    "Register",
    "Reminder",
    "ReminderReport",
    "SignatureRole",
    "SigningStep",
    "Skipped",
    "StatusReport",
    "TemplateError",
    "UsageError",
    "__version__",
    "init_workspace",
    "json_schema",
    "load_clauses",
    "load_portfolio",
    "load_project",
]
