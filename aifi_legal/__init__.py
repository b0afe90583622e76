"""aifi-legal: the legal document set of every hospital that joins AIFI.

The library comes first; the `aifi-legal` command is a thin layer over it::

    from aifi_legal import load_project
    project = load_project()            # or load_project("my-workspace/hospitals.yaml")
    result = project.build("out", hospitals=["maas-en-waal"])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the static view of the lazy names below
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

# Public name -> the module that defines it; imported on first use (PEP 562), so that
# `aifi-legal --help` and a notebook that needs one function skip the Word, PDF and signing stack.
_LAZY = {
    "AssembledDocument": ".assembly.assemble",
    "load_clauses": ".assembly.clauses",
    "CheckReport": ".checks.findings",
    "Finding": ".checks.findings",
    "KINDS": ".documents",
    "DocumentRef": ".documents",
    "AifiLegalError": ".errors",
    "ClauseError": ".errors",
    "ConversionError": ".errors",
    "DataError": ".errors",
    "InputError": ".errors",
    "LedgerError": ".errors",
    "OutputError": ".errors",
    "PdfError": ".errors",
    "Problem": ".errors",
    "TemplateError": ".errors",
    "UsageError": ".errors",
    "json_schema": ".inputs.portfolio",
    "load_portfolio": ".inputs.portfolio",
    "init_workspace": ".inputs.workspace",
    "BuiltDocument": ".output.manifest",
    "BuildResult": ".output.result",
    "Project": ".project",
    "load_project": ".project",
    "IntakeReport": ".register.intake",
    "IntakeResult": ".register.intake",
    "Event": ".register.ledger",
    "Register": ".register.ledger",
    "DpiaReview": ".register.notices",
    "NoticeStatus": ".register.notices",
    "Reminder": ".register.remind",
    "ReminderReport": ".register.remind",
    "SigningStep": ".register.remind",
    "Skipped": ".register.remind",
    "SignatureRole": ".register.roles",
    "DocumentStatus": ".register.status",
    "GroupStatus": ".register.status",
    "StatusReport": ".register.status",
    "Addendum": ".review.addendum",
    "ClauseChange": ".review.changes",
    "DiffReport": ".review.diff",
    "DocumentDiff": ".review.diff",
    "AmendmentPlan": ".review.plan",
    "HospitalAmendments": ".review.plan",
    "Notice": ".review.plan",
    "Provision": ".review.plan",
    "ProgressReport": ".review.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aifi_legal' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
