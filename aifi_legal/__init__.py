"""aifi-legal: the legal document set of every hospital that joins AIFI.

The library comes first; the `aifi-legal` command is a thin layer over it::

    from aifi_legal import load_project
    project = load_project()            # or load_project("my-workspace/hospitals.yaml")
    result = project.build("out", hospitals=["maas-en-waal"])
"""

__version__ = "0.1.0"

from .build import BuildResult, BuiltDocument, Project, load_project  # noqa: E402
from .check import CheckReport, Finding  # noqa: E402
from .clauses import load_clauses  # noqa: E402
from .data import json_schema, load_portfolio  # noqa: E402
from .errors import AifiLegalError, ClauseError, DataError, TemplateError, UsageError  # noqa: E402
from .workspace import init_workspace  # noqa: E402

__all__ = [
    "AifiLegalError", "BuildResult", "BuiltDocument", "CheckReport", "ClauseError", "DataError",
    "Finding", "Project",
    "TemplateError", "UsageError", "init_workspace", "json_schema", "load_clauses",
    "load_portfolio", "load_project", "__version__",
]
