"""One document's text from the data and the clause library: context, risks, clauses."""

from __future__ import annotations

from typing import Any

from ..errors import ClauseError, Problem
from ..inputs.models import Hospital, Portfolio
from ..inputs.processing import Processor
from .assemble import AssembledDocument, assemble
from .clauses import ClauseLibrary
from .context import build_context, risk_context
from .jinja import condition_holds
from .terms import trace


def compose(
    portfolio: Portfolio,
    library: ClauseLibrary,
    kind: str,
    hospital: Hospital | None,
    processor: Processor | None = None,
) -> AssembledDocument:
    """The numbered, rendered clauses of one document (`hospital=None`: the model document)."""
    context = build_context(portfolio, hospital, kind, processor)
    who = f" (hospital {hospital.id})" if hospital else " (model document)"
    risk_file = library.risk_file

    def holds(expression: str, values: dict[str, Any]) -> bool:
        try:
            return condition_holds(expression, values)
        except Exception as exc:  # an unknown name or a syntax error in risicos.yaml
            raise ClauseError(
                [
                    Problem(
                        risk_file,
                        None,
                        "condition",
                        f"risk condition {expression!r} fails{who}: {exc}",
                    )
                ]
            ) from None

    context.update(risk_context(library.risks, context, holds))
    return assemble(library, kind, trace(context, ""), who=who)
