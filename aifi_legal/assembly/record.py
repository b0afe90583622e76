"""An assembled document as plain data, and back: what a generated document was made to hold.

A document whose text cannot be made again from the current inputs (an addendum, written
against what was signed at the time) keeps its assembly beside it, so that `check` compares an
edited file with what aifi-legal wrote, not with what it would write today.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .assemble import AssembledDocument, RenderedClause
from .blocks import Block, Cell, Paragraph, Run, Table
from .clauses import Clause, ClauseHead

_RUN_FIELDS = ("bold", "placeholder", "term", "ref")


def document_record(document: AssembledDocument) -> dict[str, Any]:
    """The document's clauses and its `document` context, as JSON-ready data."""
    meta = {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in document.context.get("document", {}).items()
    }
    return {
        "kind": document.kind,
        "document": meta,
        "clauses": [
            {
                "head": rendered.clause.head.model_dump(mode="json", exclude_defaults=True),
                "number": rendered.number,
                "heading": rendered.heading,
                "blocks": [_block_record(block) for block in rendered.blocks],
            }
            for rendered in document.clauses
        ],
    }


def document_from_record(data: dict[str, Any]) -> AssembledDocument:
    """The assembled document a `document_record` describes (ValueError if it does not)."""
    try:
        clauses = tuple(
            RenderedClause(
                Clause(ClauseHead(**c["head"]), "", Path(c["head"]["id"]), 1, ""),
                c.get("number"),
                c.get("heading"),
                tuple(_block(b) for b in c["blocks"]),
            )
            for c in data["clauses"]
        )
        return AssembledDocument(data["kind"], clauses, (), {"document": dict(data["document"])})
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an assembled document record: {exc}") from None


def _runs_record(runs: tuple[Run, ...]) -> list[dict[str, Any]]:
    return [
        {"text": r.text, **{f: getattr(r, f) for f in _RUN_FIELDS if getattr(r, f)}} for r in runs
    ]


def _runs(data: list[dict[str, Any]]) -> tuple[Run, ...]:
    return tuple(Run(str(r["text"]), **{f: r[f] for f in _RUN_FIELDS if f in r}) for r in data)


def _block_record(block: Block) -> dict[str, Any]:
    if isinstance(block, Table):
        return {
            "table": [
                [{"runs": _runs_record(c.runs), "fill": c.fill} for c in row] for row in block.rows
            ]
        }
    return {"role": block.role, "label": block.label, "runs": _runs_record(block.runs)}


def _block(data: dict[str, Any]) -> Block:
    if "table" in data:
        return Table(
            tuple(
                tuple(Cell(_runs(c["runs"]), c.get("fill")) for c in row) for row in data["table"]
            )
        )
    return Paragraph(data["role"], _runs(data["runs"]), data.get("label"))
