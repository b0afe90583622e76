"""Who signs which document, in which order, in which PDF field.

Derived from the data: the hospital's authorised representatives first (one alone, or two
jointly, as the data says), then AIFI's signatory, or the processor's for a processor agreement.
The DPIA is adopted by the hospital alone; the FG's advice is recorded in the DPIA itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .kinds import KINDS


@dataclass(frozen=True)
class SignatureRole:
    party: str          # context key: ziekenhuis, aifi, verwerker
    party_name: str     # legal name
    name: str
    function: str
    capacity: str
    order: int          # 1 signs first; signatories with the same order sign in any order
    field_name: str     # the PDF signature field, e.g. sig_ziekenhuis_2

    @property
    def anchor_text(self) -> str:
        """The text right below this signatory's signature line on the signature page."""
        return f"Naam: {self.name}"


def signature_roles(context: dict[str, Any], kind: str) -> list[SignatureRole]:
    """The signatories of one document, from its rendering context, in signing order."""
    roles = []
    for order, party in enumerate(KINDS[kind].parties, start=1):
        data = context[party]
        for index, signatory in enumerate(data["signatories"], start=1):
            roles.append(SignatureRole(
                party=party, party_name=str(data["legal_name"]), name=str(signatory["name"]),
                function=str(signatory["function"]), capacity=str(signatory["capacity"]),
                order=order, field_name=f"sig_{party}_{index}"))
    return roles
