"""The data model of hospitals.yaml: the hospitals and the portfolio that holds everything.

Field names are English (they are the keys of the YAML file). The parties, the programme's
terms and the processing chain have modules of their own (parties, programme, processing).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from ..documents import RESERVED_NAMES
from .fields import (
    IsoDate,
    Model,
    Slug,
    Text,
    fail,
    given,
    lacks,
    needs,
    schema_rule,
)
from .parties import Party, Person
from .processing import (
    Processor,
    Solution,
)
from .programme import Consortium, Group, Programme, _plus_months, paid_months


class IctProvider(Model):
    """An external ICT provider hosting the gateway server: the hospital's own processor.

    It works under a processor agreement of its own with the hospital.
    """

    legal_name: Text = Field(description="Name as registered in the Handelsregister.")
    seat: Text = Field(description="Statutory seat, a place name.")
    service: Text = Field(
        description="What it does for the hospital, e.g. 'hosting en beheer "
        "van de virtuele server van de Lokale Gateway'."
    )
    location: Text = Field(description="The data centre where the gateway server runs.")
    agreement: Text = Field(
        description="The hospital's processor agreement with it, e.g. "
        "'verwerkersovereenkomst van 14 maart 2025'."
    )


class Systems(Model):
    """The hospital's systems the gateway connects."""

    pacs: Text = Field(description="The PACS, product and version, e.g. 'Mediview PACS 12.4'.")
    ris: Text = Field(description="The RIS, product and version, e.g. 'Radiom RIS 8'.")
    gateway_location: Text = Field(
        description="Where the server of the Lokale Gateway runs, in running text, e.g. "
        "'virtuele server in het eigen datacentrum van het ziekenhuis te Dalwijk'."
    )
    gateway_provider: IctProvider | None = Field(
        None,
        description="The external ICT provider that hosts the gateway server; none when "
        "it runs in the hospital's own data centre.",
    )
    key_store: Text = Field(
        description="Where the hospital generates and keeps the key of the "
        "Sleuteltabel, e.g. 'de HSM in het eigen datacentrum'."
    )
    local_measures: list[Text] = Field(
        min_length=1,
        description="The hospital's own security measures "
        "for the gateway server (patching, monitoring, network), one per item; listed in "
        "the DPIA's measures.",
    )


class HospitalRetention(Model):
    """The hospital's retention terms; with the processor's they make the one retention table."""

    results_years: int = Field(
        ge=1,
        le=115,
        description="Years an AI result is kept in the medical record (art. 7:454 BW), 1 to 115.",
    )
    gateway_log_months: int = Field(
        ge=6, le=120, description="Months the Lokale Gateway keeps its logs, 6 to 120."
    )
    key_table_months: int = Field(
        ge=6,
        le=120,
        description="Months the Sleuteltabel keeps a "
        "pseudonym, 6 to 120: at least gateway_log_months and every processor's "
        "log_retention_months.",
    )
    validation_set_months: int = Field(
        ge=1,
        le=36,
        description="Months, 1 to 36: study-level validation data "
        "are kept until the validation report, at most this long.",
    )
    discrepancy_months: int = Field(
        ge=6,
        le=120,
        description="Months registered discrepancies between radiologist and AI are kept, "
        "6 to 120.",
    )

    @model_validator(mode="after")
    def _key_table_outlives_logs(self) -> HospitalRetention:
        if self.key_table_months < self.gateway_log_months:
            raise fail(
                "retention",
                "key_table_months is shorter than gateway_log_months: a "
                "pseudonym in the gateway logs could no longer be traced",
            )
        return self


class Consultation(Model):
    """A body that was asked for its view on the processing (GDPR Art. 35(9))."""

    body: Text = Field(description="The body consulted, e.g. 'Cliëntenraad Linde & Eik'.")
    date: IsoDate = Field(description="Date of its view, YYYY-MM-DD.")
    represents_children: bool = Field(
        False,
        description="Whether it represents children and their parents (printed in the DPIA; "
        "needed when a solution is used for children). Default false.",
    )
    view: Text = Field(description="Its view on the processing, as the DPIA summarises it.")
    response: Text = Field(
        description="How the hospital responds to the view: what it adopts, "
        "and why it does not adopt the rest. Decided before adoption."
    )


class DpiaFacts(Model):
    """The FG's advice: without it the DPIA is the draft for advice, with it for adoption."""

    model_config = schema_rule(
        given("advice_date"),
        needs("advice_summary", "advice_handling"),
        lacks("advice_summary", "advice_handling", "advice_deviations"),
    )

    advice_date: IsoDate | None = Field(
        None,
        description="Date of the FG's advice, YYYY-MM-DD, once given (then advice_summary and "
        "advice_handling are required); without it the DPIA is the draft for advice.",
    )
    advice_summary: Text | None = Field(None, description="Summary of the FG's advice.")
    advice_handling: Text | None = Field(None, description="How the hospital handled it.")
    advice_deviations: Text | None = Field(
        None,
        description="Which parts of the advice the hospital does not follow, and why; optional.",
    )

    @model_validator(mode="after")
    def _advice_complete(self) -> DpiaFacts:
        given = [self.advice_summary, self.advice_handling, self.advice_deviations]
        if self.advice_date is None and any(given):
            raise fail(
                "advice",
                "advice_summary, advice_handling and advice_deviations need "
                "the advice_date of the advice they describe",
            )
        if self.advice_date is not None and not (self.advice_summary and self.advice_handling):
            raise fail(
                "advice", "an advice (advice_date) needs advice_summary and advice_handling"
            )
        return self

    @property
    def advised(self) -> bool:
        """Whether the FG has advised (the DPIA is then the version for adoption)."""
        return self.advice_date is not None


class Volume(Model):
    """Expected use of one chosen solution."""

    solution: Slug = Field(description="The id of one of the hospital's solutions.")
    studies_per_year: int = Field(
        ge=1,
        le=1_000_000,
        description="Expected studies per year, 1 to 1,000,000; used for the contract value.",
    )
    children_per_year: int = Field(
        ge=0,
        le=1_000_000,
        description="Of those, studies of patients under 18 per year; 0 for a solution "
        "not used for children.",
    )

    @model_validator(mode="after")
    def _children_within_studies(self) -> Volume:
        if self.children_per_year > self.studies_per_year:
            raise fail("volume", "children_per_year exceeds studies_per_year")
        return self


class HospitalContacts(Model):
    """The hospital's contact persons per role."""

    project_lead: Person = Field(description="The hospital's project lead for AIFI.")
    legal: Person = Field(description="The legal contact (bedrijfsjurist).")
    privacy_officer: Person = Field(description="The data protection officer (FG).")
    security_officer: Person = Field(description="The security officer (CISO).")
    cmio: Person = Field(description="The CMIO, responsible for the clinical measures.")
    radiology_management: Person = Field(description="The manager of the radiology department.")
    technical: Person = Field(description="The technical contact (PACS, gateway, keys).")
    clinical: Person = Field(description="The clinical contact, a radiologist.")


def _not_reserved(value: str) -> str:
    if value in RESERVED_NAMES:
        raise fail(
            "reserved_id",
            f"{value!r} names a folder of the output itself; choose another id",
            value,
        )
    return value


class Hospital(Party):
    """A participating hospital: the party, its choices, contacts and systems."""

    id: Annotated[Slug, AfterValidator(_not_reserved)] = Field(
        description="Short id of the hospital (a slug such as 'st-jozef-dalwijk'): the name of "
        "its output folder and part of its document ids; not 'archief' or 'model'.",
        json_schema_extra={"not": {"enum": [*sorted(RESERVED_NAMES)]}},
    )
    group: int = Field(ge=1, description="Number of its implementation group (under groups).")
    solutions: list[Slug] = Field(
        min_length=1,
        description="Ids of the solutions it chooses, each offered under solutions, once.",
        json_schema_extra={"uniqueItems": True},
    )
    contacts: HospitalContacts = Field(description="Contact persons per role.")
    systems: Systems = Field(description="The systems the gateway connects, and where it runs.")
    retention: HospitalRetention = Field(description="Its retention terms, for the DPIA.")
    consulted: list[Consultation] = Field(
        min_length=1,
        description="The bodies asked for their view on the processing (GDPR art. 35(9)), "
        "such as the client council.",
    )
    processors: list[Slug] | None = Field(
        None, description="Processor ids the hospital contracts with; default: every processor."
    )
    dpia: DpiaFacts = Field(default_factory=DpiaFacts, description="The FG's advice, once given.")
    volumes: list[Volume] = Field(
        min_length=1, description="Expected studies per year, one row for each chosen solution."
    )

    @model_validator(mode="after")
    def _volumes_match_solutions(self) -> Hospital:
        named = [v.solution for v in self.volumes]
        for index, solution in enumerate(named):
            if solution not in self.solutions:
                raise fail(
                    "volume",
                    f"volumes[{index}]: {solution!r} is not one of the hospital's solutions",
                )
            if named.count(solution) > 1:
                raise fail("volume", f"volumes[{index}]: {solution!r} has more than one row")
        missing = [s for s in self.solutions if s not in named]
        if missing:
            raise fail("volume", f"volumes: no row for {', '.join(missing)}")
        return self

    def signs(self, kind: str) -> bool:
        """Whether the hospital's document of `kind` is signed in its present state.

        A DPIA without the FG's advice is the draft for that advice: it is neither adopted nor
        signed, so it has no signature table, no signature fields and nobody to wait for.
        """
        return kind != "dpia" or self.dpia.advised

    def volume(self, solution_id: str) -> Volume | None:
        """The expected volume for one of the hospital's solutions, if given."""
        return next((v for v in self.volumes if v.solution == solution_id), None)


def contract_value(
    programme: Programme, group_start: date, solutions: list[Solution], hospital: Hospital
) -> Decimal:
    """Estimated pay-per-use the hospital pays over the term.

    Tariff x expected studies per year x paid months / 12, including VAT when the tariffs are
    exclusive of VAT.
    """
    months = paid_months(programme, group_start)
    volumes = {s.id: hospital.volume(s.id) for s in solutions}
    yearly = sum(
        (
            s.tariff_per_study * volume.studies_per_year
            for s in solutions
            if (volume := volumes[s.id]) is not None
        ),
        Decimal(0),
    )
    value = yearly * months / 12
    vat = programme.tariffs.vat
    if vat.treatment == "exclusief" and vat.rate_percent is not None:
        value = value * (100 + vat.rate_percent) / 100
    return value.quantize(Decimal("1"))


def _processor_fits_programme(processor: Processor, info: ValidationInfo) -> Processor:
    consortium = info.data.get("consortium")
    if consortium is not None:
        programme = consortium.programme
        # The provider must be contracted for the funding period and the transition after it.
        end = _plus_months(programme.funding_period.end, programme.continuity.transition_months)
        if processor.infrastructure_agreement.end < end:
            raise fail(
                "agreement",
                "infrastructure_agreement.end is before the end of the "
                "funding period plus the transition period "
                f"({end.isoformat()})",
            )
    return processor


def _hospital_fits_portfolio(hospital: Hospital, info: ValidationInfo) -> Hospital:
    """Checks of a hospital against the records before it (solutions, processors, groups)."""
    solutions = {s.id: s for s in info.data.get("solutions", [])}
    for index, volume in enumerate(hospital.volumes):
        solution = solutions.get(volume.solution)
        if solution is not None and not solution.involves_children and volume.children_per_year:
            raise fail(
                "volume",
                f"volumes[{index}].children_per_year: {solution.name} is not "
                "used for children, so no children are expected",
            )
    processors = [
        p
        for p in info.data.get("processors", [])
        if hospital.processors is None or p.id in hospital.processors
    ]
    for processor in processors:
        if hospital.retention.key_table_months < processor.log_retention_months:
            raise fail(
                "retention",
                "retention.key_table_months is shorter than the "
                f"log_retention_months of processor {processor.id!r}: a pseudonym in "
                "its logs could no longer be traced to a patient",
            )
    consortium = info.data.get("consortium")
    groups = {g.number: g for g in info.data.get("groups", [])}
    if (
        consortium is not None
        and hospital.group in groups
        and all(s in solutions for s in hospital.solutions)
    ):
        value = contract_value(
            consortium.programme,
            groups[hospital.group].start_date,
            list(solutions.values()),
            hospital,
        )
        for index, signatory in enumerate(hospital.signatories):
            if (
                signatory.proxy_limit is not None
                and signatory.may_sign("deelnameovereenkomst")
                and signatory.proxy_limit < value
            ):
                raise fail(
                    "proxy_limit",
                    f"signatories[{index}].proxy_limit "
                    f"{signatory.proxy_limit} is below the estimated value of the "
                    f"participation agreement ({value} euro including VAT)",
                )
    return hospital


class Portfolio(Model):
    """Everything in one hospitals.yaml."""

    consortium: Consortium = Field(
        description="AIFI as a contracting party, the programme's terms and the edition of "
        "the documents."
    )
    groups: list[Group] = Field(
        min_length=1, description="The implementation groups, each with its start date."
    )
    solutions: list[Solution] = Field(
        min_length=1, description="The AI solutions AIFI offers, with their vendors."
    )
    processors: list[Annotated[Processor, AfterValidator(_processor_fits_programme)]] = Field(
        min_length=1,
        description="The infrastructure provider(s) that process data for the hospitals; one "
        "processor agreement each.",
    )
    hospitals: list[Annotated[Hospital, AfterValidator(_hospital_fits_portfolio)]] = Field(
        min_length=1, description="The participating hospitals; documents are made for each."
    )

    def contract_value(self, hospital: Hospital) -> Decimal:
        """The estimated value of a hospital's participation (see `contract_value`)."""
        return contract_value(
            self.consortium.programme,
            self.group(hospital.group).start_date,
            self.solutions,
            hospital,
        )

    def processors_of(self, hospital: Hospital) -> list[Processor]:
        """The processors a hospital contracts with, in the data's order."""
        return [
            p
            for p in self.processors
            if hospital.processors is None or p.id in hospital.processors
        ]

    def hospital(self, hospital_id: str) -> Hospital:
        """The hospital with this id (KeyError when there is none)."""
        for hospital in self.hospitals:
            if hospital.id == hospital_id:
                return hospital
        raise KeyError(hospital_id)

    def processor(self, processor_id: str) -> Processor:
        """The processor with this id (KeyError when there is none)."""
        for processor in self.processors:
            if processor.id == processor_id:
                return processor
        raise KeyError(processor_id)

    def solution(self, solution_id: str) -> Solution:
        """The solution with this id (KeyError when there is none)."""
        for solution in self.solutions:
            if solution.id == solution_id:
                return solution
        raise KeyError(solution_id)

    def group(self, number: int) -> Group:
        """The implementation group with this number (KeyError when there is none)."""
        for group in self.groups:
            if group.number == number:
                return group
        raise KeyError(number)
