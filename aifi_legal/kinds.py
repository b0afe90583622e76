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
    parties: tuple[str, ...]  # context keys of the parties that sign, in signing order
    per_processor: bool = False  # one document per processor the hospital contracts with

    def file_name(self, processor_id: str | None = None) -> str:
        return f"{self.name}-{processor_id}.docx" if self.per_processor else f"{self.name}.docx"


KINDS: dict[str, DocumentKind] = {
    kind.name: kind for kind in (
        DocumentKind("intentieverklaring", "Intentieverklaring", "deze intentieverklaring", "IVK",
                     "intentieverklaring.docx", ("ziekenhuis", "aifi")),
        DocumentKind("deelnameovereenkomst", "Deelnameovereenkomst", "deze overeenkomst", "DNO",
                     "deelnameovereenkomst.docx", ("ziekenhuis", "aifi")),
        DocumentKind("verwerkersovereenkomst", "Verwerkersovereenkomst",
                     "deze verwerkersovereenkomst", "VWO", "verwerkersovereenkomst.docx",
                     ("ziekenhuis", "verwerker"), per_processor=True),
        DocumentKind("dpia", "Gegevensbeschermingseffectbeoordeling (DPIA)", "deze DPIA", "DPIA",
                     "dpia.docx", ("ziekenhuis",)),
    )
}
