"""The document kinds aifi-legal produces."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    name: str      # file stem and the value of --only
    title: str     # title on the title page and in the header
    noun: str      # how the document refers to itself in running text
    code: str      # part of the document id
    template: str  # file name in templates/


KINDS: dict[str, DocumentKind] = {
    kind.name: kind for kind in (
        DocumentKind("intentieverklaring", "Intentieverklaring", "deze intentieverklaring", "IVK",
                     "intentieverklaring.docx"),
        DocumentKind("deelnameovereenkomst", "Deelnameovereenkomst", "deze overeenkomst", "DNO",
                     "deelnameovereenkomst.docx"),
    )
}
