"""The data model of hospitals.yaml: the consortium, the AI solutions and the hospitals.

Field names are English (they are the keys of the YAML file); everything a document prints
about a value (the Dutch name of a legal form, the wording of an authority) lives with the model
so that all documents say the same.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ..documents import RESERVED_NAMES
from ..names import name_key
from .fields import (
    EEA_COUNTRIES,
    Amount,
    DocumentKindName,
    Email,
    IsoDate,
    KvK,
    Model,
    Postcode,
    Slug,
    Text,
    Version,
    fail,
)


class LegalForm(StrEnum):
    """The legal form of a contracting party."""

    stichting = "stichting"
    vereniging = "vereniging"
    cooperatie = "cooperatie"
    bv = "bv"
    nv = "nv"
    publiekrechtelijk = "publiekrechtelijk"

    @property
    def dutch(self) -> str:
        """The legal form as it is written in a comparitie."""
        return {
            "stichting": "stichting",
            "vereniging": "vereniging",
            "cooperatie": "coöperatie",
            "bv": "besloten vennootschap met beperkte aansprakelijkheid",
            "nv": "naamloze vennootschap",
            "publiekrechtelijk": "publiekrechtelijke rechtspersoon",
        }[self.value]


class Authority(StrEnum):
    """How a signatory may bind its organisation (as registered in the Handelsregister)."""

    alone = "alone"
    jointly = "jointly"
    proxy = "proxy"


class Address(Model):
    """A Dutch postal address."""

    street: Text = Field(description="Street and house number, e.g. 'Ziekenhuislaan 12'.")
    postcode: Postcode
    city: Text

    @property
    def one_line(self) -> str:
        """The address on one line."""
        return f"{self.street}, {self.postcode} {self.city}"


class Person(Model):
    """A contact person."""

    name: Text
    function: Text
    email: Email
    phone: Text | None = None


class Signatory(Model):
    """A person who signs for a party, and with which authority."""

    name: Text
    function: Text
    authority: Authority = Field(description="alone: authorised to act alone; jointly: acts "
                                 "together with another joint signatory; proxy: acts under a "
                                 "written power of attorney (give proxy_scope).")
    proxy_scope: Text | None = Field(None, description="Scope and date of the power of attorney.")
    place: Text | None = Field(None, description="Place of signing; defaults to the seat.")
    signs: list[DocumentKindName] | None = Field(
        None, description="The document kinds this signatory may sign (a proxy's scope); "
        "default: every kind.")

    def may_sign(self, kind: str) -> bool:
        """Whether this signatory signs documents of `kind`."""
        return self.signs is None or kind in self.signs

    @model_validator(mode="after")
    def _proxy_needs_scope(self) -> Signatory:
        if self.authority is Authority.proxy and not self.proxy_scope:
            raise PydanticCustomError("proxy_scope",
                                      "a proxy signatory needs proxy_scope (what the power of "
                                      "attorney covers and its date)")
        return self

    @property
    def capacity(self) -> str:
        """Dutch description of the authority, used in the comparitie and signature page."""
        if self.authority is Authority.alone:
            return "zelfstandig bevoegd"
        if self.authority is Authority.jointly:
            return "gezamenlijk bevoegd"
        return f"gevolmachtigde; {self.proxy_scope}"


class Party(Model):
    """Fields shared by the consortium and the hospitals as contracting parties."""

    legal_name: Text = Field(description="Name as registered in the Handelsregister.")
    short_name: Text = Field(description="Name used in running text.")
    legal_form: LegalForm
    seat: Text = Field(description="Statutory seat (statutaire zetel).")
    kvk: KvK = Field(description="KvK number: 8 digits, written as text.")
    address: Address
    signatories: list[Signatory] = Field(min_length=1)

    @model_validator(mode="after")
    def _signatories_can_bind(self) -> Party:
        # One person listed twice would let one signature count for two.
        seen: set[tuple[str, ...]] = set()
        for signatory in self.signatories:
            key = name_key(signatory.name)
            if key in seen:
                raise fail("duplicate_signatory", f"{signatory.name} is listed twice as a "
                           "signatory")
            seen.add(key)
        joint = [s for s in self.signatories if s.authority is Authority.jointly]
        if len(joint) == 1:
            raise fail("joint_alone", f"{joint[0].name} is authorised jointly, so a second "
                        "jointly authorised signatory is needed")
        return self

    @property
    def represented_jointly(self) -> bool:
        """Whether the party is represented by two jointly authorised signatories."""
        return any(s.authority is Authority.jointly for s in self.signatories)

    def signatories_for(self, kind: str) -> list[Signatory]:
        """The signatories who sign documents of `kind` for this party."""
        return [s for s in self.signatories if s.may_sign(kind)]

    def authority_problem(self, kind: str) -> str | None:
        """Why this party's signatories cannot bind it for `kind`, or None when they can."""
        eligible = self.signatories_for(kind)
        if not eligible:
            return f"no signatory may sign the {kind}"
        if all(s.authority is Authority.jointly for s in eligible) and len(eligible) < 2:
            return (f"{eligible[0].name} is authorised jointly only, and no second jointly "
                    f"authorised signatory may sign the {kind}")
        return None


class MonthRange(Model):
    """A period of the planning, as month numbers counted from the group's start."""

    first: int = Field(ge=1, le=36)
    last: int = Field(ge=1, le=36)

    @model_validator(mode="after")
    def _ordered(self) -> MonthRange:
        if self.last < self.first:
            raise PydanticCustomError("month_order", "last month comes before the first")
        return self


class Planning(Model):
    """The months of the legal, technical and clinical pillars."""

    legal: MonthRange
    technical: MonthRange
    clinical: MonthRange


class Programme(Model):
    """Programme facts the clauses rely on."""

    initiators: list[Text] = Field(min_length=1)
    funder: Text
    funder_short: Text
    funding_years: int = Field(ge=1, le=20)
    pay_per_use_funded_months: int = Field(ge=0, le=60)
    planning: Planning
    intention_term_months: int = Field(ge=1, le=36)
    notice_period_months: int = Field(ge=1, le=24)
    liability_cap: Amount
    court: Text


class DocumentEdition(Model):
    """The edition of the documents: their version and date."""

    version: Version
    date: IsoDate


class Consortium(Party):
    """AIFI as a contracting party, with the programme facts and the edition."""

    contact: Person
    programme: Programme
    documents: DocumentEdition


class Group(Model):
    """An implementation group and the day it starts."""

    number: int = Field(ge=1)
    start_date: IsoDate


class Location(Model):
    """A place where personal data are processed or stored."""

    name: Text = Field(description="e.g. 'Datacentrum Amsterdam-Zuidoost (primair)'.")
    city: Text
    country: Text

    @property
    def in_eea(self) -> bool:
        """Whether the location is in the European Economic Area."""
        return self.country.strip().lower() in EEA_COUNTRIES


class Certification(Model):
    """A certificate held by a processor or sub-processor."""

    standard: Text = Field(description="e.g. 'NEN 7510-1:2017+A1:2020' or 'ISO/IEC 27001:2022'.")
    scope: Text
    issuer: Text
    valid_until: IsoDate


class SubProcessor(Model):
    """An organisation that processes personal data on behalf of the processor."""

    legal_name: Text
    seat: Text
    country: Text
    address: Text = Field(description="Full postal address on one line.")
    service: Text = Field(description="What it does for the processor.")
    receives: Text = Field(description="Which (pseudonymised) data it receives.")
    retention: Text = Field(description="How long it keeps them.")
    locations: list[Location] = Field(min_length=1)
    certifications: list[Certification] = Field(default_factory=list)


class Vendor(SubProcessor):
    """The supplier of an AI solution; a sub-processor of the infrastructure provider."""


class Audit(Model):
    """An audit arrangement of a processor."""

    report: Text = Field(description="The assurance report offered, e.g. 'ISAE 3402 type II'.")
    frequency_months: int = Field(ge=1, le=60)
    notice_days: int = Field(ge=1, le=180, description="Notice before an audit by the hospital.")


class Processor(Party):
    """The infrastructure provider that processes personal data for the hospitals."""

    id: Slug
    contact: Person
    privacy_officer: Person
    service: Text = Field(description="The service, as it is named in the agreement.")
    locations: list[Location] = Field(min_length=1)
    certifications: list[Certification] = Field(min_length=1)
    breach_notification_hours: int = Field(ge=1, le=72)
    subprocessor_notice_days: int = Field(ge=1, le=180)
    objection_days: int = Field(ge=1, le=90)
    deletion_days: int = Field(ge=1, le=180)
    image_retention_hours: int = Field(ge=1, le=720, description="How long pseudonymised images "
                                       "stay on the central platform.")
    result_retention_days: int = Field(ge=1, le=365)
    log_retention_months: int = Field(ge=6, le=120, description="At least six months "
                                      "(AI Act Art. 26(6)).")
    audit: Audit
    liability_cap: Amount
    hosting: SubProcessor


class Solution(Model):
    """An AI solution on offer: product, intended use, vendor, population and tariff."""

    id: Slug
    name: Text
    product: Text
    description: Text
    intended_use: Text
    vendor: Vendor
    ce_class: Literal["I", "IIa", "IIb", "III"]
    patients: Text = Field(description="The patient population the solution is meant for.")
    involves_children: bool
    tariff_per_study: Amount


class Systems(Model):
    """The hospital's systems the gateway connects."""

    pacs: Text = Field(description="The PACS, product and version.")
    ris: Text
    gateway_location: Text = Field(description="Where the local gateway runs.")


class HospitalRetention(Model):
    """The hospital's own retention periods."""

    results_years: int = Field(ge=1, le=115, description="How long AI results are kept in the "
                               "medical record.")
    gateway_log_months: int = Field(ge=6, le=120)


class Consultation(Model):
    """A body that was asked for its view on the processing (GDPR Art. 35(9))."""

    body: Text
    date: IsoDate
    represents_children: bool = False
    view: Text


class DpiaFacts(Model):
    """The facts of the FG's advice on the DPIA, once given."""

    advice_date: IsoDate | None = Field(None, description="Date of the FG's advice, once given.")
    advice_summary: Text | None = None


class HospitalContacts(Model):
    """The hospital's contact persons per role."""

    project_lead: Person
    legal: Person
    privacy_officer: Person
    security_officer: Person
    cmio: Person
    radiology_management: Person
    technical: Person
    clinical: Person


def _not_reserved(value: str) -> str:
    if value in RESERVED_NAMES:
        raise fail("reserved_id", f"{value!r} names a folder of the output itself; choose "
                   "another id", value)
    return value


class Hospital(Party):
    """A participating hospital: the party, its choices, contacts and systems."""

    id: Annotated[Slug, AfterValidator(_not_reserved)]
    group: int = Field(ge=1)
    solutions: list[Slug] = Field(min_length=1)
    contacts: HospitalContacts
    systems: Systems
    retention: HospitalRetention
    consulted: list[Consultation] = Field(min_length=1)
    processors: list[Slug] | None = Field(None, description="Processor ids the hospital contracts "
                                          "with; default: every processor.")
    dpia: DpiaFacts = Field(default_factory=DpiaFacts)


class Portfolio(Model):
    """Everything in one hospitals.yaml."""

    consortium: Consortium
    groups: list[Group] = Field(min_length=1)
    solutions: list[Solution] = Field(min_length=1)
    processors: list[Processor] = Field(min_length=1)
    hospitals: list[Hospital] = Field(min_length=1)

    def processors_of(self, hospital: Hospital) -> list[Processor]:
        """The processors a hospital contracts with, in the data's order."""
        return [p for p in self.processors
                if hospital.processors is None or p.id in hospital.processors]

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
