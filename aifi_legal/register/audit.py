"""Register lines that cannot be placed: an unknown hospital, document or signatory.

Such a line is never silently ignored: it is a typing error in a hand-made line, data that
changed under the register (a hospital renamed, a signatory removed), or a forgery.
"""

from __future__ import annotations

import re

from ..errors import Problem
from ..names import same_name
from ..source import DocumentSource
from .ledger import Register
from .roles import signature_roles

# A version, and the -K<NNN> of a sub-processor notice or the -W<NNN> of an addendum
# (wijzigingsovereenkomst) under the agreement: both are placed with that agreement.
_VERSION = re.compile(r"-V\d+\.\d+(-[KW]\d{3})?$")


def unplaced(source: DocumentSource, register: Register) -> list[Problem]:
    """A problem for every register line whose hospital, document or signatory is unknown."""
    portfolio = source.portfolio
    known = {h.id for h in portfolio.hospitals}
    problems = []
    for line, event in register.read_numbered():
        where = (register.path, line)
        if event.hospital not in known:
            problems.append(
                Problem(*where, "hospital", f"hospital {event.hospital!r} is not in the data")
            )
            continue
        hospital = portfolio.hospital(event.hospital)
        refs = {_VERSION.sub("", r.id): r for r in source.documents_of(hospital)}
        ref = refs.get(_VERSION.sub("", event.document_id))
        if ref is None or ref.kind != event.kind:
            problems.append(
                Problem(
                    *where,
                    "document_id",
                    f"{event.document_id!r} is not a "
                    f"{event.kind} of {event.hospital} in any version",
                )
            )
            continue
        if event.signatory is None:
            continue
        names = [r.name for r in signature_roles(portfolio, ref)]
        if not any(same_name(name, event.signatory) for name in names):
            problems.append(
                Problem(
                    *where,
                    "signatory",
                    f"{event.signatory!r} does not sign the {event.kind} of {event.hospital}",
                    "signatories now: " + "; ".join(names),
                )
            )
    return problems
