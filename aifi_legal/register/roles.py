"""Who signs which document, in which order, in which PDF field.

Derived from the data models: the hospital's authorised representatives first (one alone, or
two jointly, as the data says), then AIFI's signatory, or the processor's for a processor
agreement. The DPIA is adopted by the hospital alone; the FG's advice is recorded in the DPIA.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..documents import DocumentRef
from ..errors import UsageError
from ..inputs.models import Portfolio
from ..inputs.parties import Party
from ..word.conventions import signature_anchor


@dataclass(frozen=True)
class SignatureRole:
    """One signatory of one document and where they sign."""

    party: str  # the party's key in the document: ziekenhuis, aifi, verwerker
    name: str
    function: str
    capacity: str
    order: int  # 1 signs first; signatories with the same order sign in any order
    field_name: str  # the PDF signature field, e.g. sig_ziekenhuis_2

    @property
    def anchor_text(self) -> str:
        """The text right below this signatory's signature line on the signature page."""
        return signature_anchor(self.name)


def party_of(portfolio: Portfolio, ref: DocumentRef, party: str) -> Party:
    """The contracting party behind a document's party key."""
    if ref.hospital_id is None:
        raise UsageError(f"the model {ref.kind} has no signatories", argument="hospital")
    if party == "ziekenhuis":
        return portfolio.hospital(ref.hospital_id)
    if party == "aifi":
        return portfolio.consortium
    if party == "verwerker" and ref.processor_id is not None:
        return portfolio.processor(ref.processor_id)
    raise UsageError(f"the {ref.kind} of {ref.hospital_id} has no party {party!r}")


def signature_roles(portfolio: Portfolio, ref: DocumentRef) -> list[SignatureRole]:
    """The signatories of one document, in signing order (none for a draft DPIA)."""
    if ref.hospital_id is not None and not portfolio.hospital(ref.hospital_id).signs(ref.kind):
        return []
    roles = []
    for order, party in enumerate(ref.document_kind.parties, start=1):
        signatories = party_of(portfolio, ref, party).signatories_for(ref.kind)
        for index, signatory in enumerate(signatories, start=1):
            roles.append(
                SignatureRole(
                    party=party,
                    name=signatory.name,
                    function=signatory.function,
                    capacity=signatory.capacity,
                    order=order,
                    field_name=f"sig_{party}_{index}",
                )
            )
    return roles
