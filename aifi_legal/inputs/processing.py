"""Who processes what, where: the infrastructure provider, its sub-processors, the solutions.

With their service levels, retention and the one pseudonymisation profile.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .fields import (
    EEA_COUNTRIES,
    Amount,
    DicomTags,
    Email,
    IsoDate,
    Model,
    Percent,
    Slug,
    Text,
    fail,
)
from .parties import Party, Person
from .terms import ProcessorTerms


class Location(Model):
    """A place where personal data are processed or stored."""

    name: Text = Field(
        description="Name of the site, e.g. 'Datacentrum Amsterdam-Zuidoost (primair)'."
    )
    city: Text = Field(description="The city it is in.")
    country: Text = Field(
        description="The country, in Dutch (e.g. 'Nederland', 'Frankrijk'): a country outside "
        "the EEA is listed as a transfer."
    )

    @property
    def in_eea(self) -> bool:
        """Whether the location is in the European Economic Area."""
        return self.country.strip().lower() in EEA_COUNTRIES


class Certification(Model):
    """A certificate held by a processor or sub-processor."""

    standard: Text = Field(
        description="The standard, e.g. 'NEN 7510-1:2017+A1:2020' or 'ISO/IEC 27001:2022'."
    )
    scope: Text = Field(description="What the certificate covers, e.g. 'datacenterdiensten'.")
    issuer: Text = Field(description="The certification body that issued it.")
    valid_until: IsoDate = Field(description="Last day it is valid, YYYY-MM-DD.")


class SubProcessor(Model):
    """An organisation that processes personal data on behalf of the processor."""

    legal_name: Text = Field(description="Registered name, printed in the sub-processor list.")
    seat: Text = Field(description="Statutory seat, a place name.")
    country: Text = Field(description="Country of its seat, in Dutch, e.g. 'Nederland'.")
    address: Text = Field(description="Full postal address on one line.")
    service: Text = Field(description="What it does for the processor.")
    receives: Text = Field(description="Which (pseudonymised) data it receives.")
    retention: Text = Field(description="How long it keeps them.")
    locations: list[Location] = Field(
        min_length=1, description="Where it processes or stores the data."
    )
    certifications: list[Certification] = Field(
        default_factory=list, description="Its certificates; may be empty."
    )


class Vendor(SubProcessor):
    """The supplier of an AI solution; a sub-processor of the infrastructure provider."""

    agreement_date: IsoDate = Field(
        description="Date of the sub-processing agreement the "
        "infrastructure provider concluded with the vendor."
    )
    telemetry: Text = Field(
        description="The vendor's own technical logs and telemetry about "
        "the analyses: what they contain and how long they are kept."
    )


class DicomAttribute(Model):
    """One DICOM attribute on the positive list of the pseudonymisation profile."""

    name: Text = Field(description="The attribute, e.g. 'PatientSex'.")
    tag: DicomTags = Field(description="Its tag(s), e.g. '(0010,0040)'.")
    treatment: Text = Field(description="What the gateway does with it, e.g. 'ongewijzigd'.")


class Audit(Model):
    """An audit arrangement of a processor."""

    report: Text = Field(
        description="The assurance report offered, e.g. 'ISAE 3000 type II-rapportage'."
    )
    frequency_months: int = Field(
        ge=1, le=60, description="The report is provided every this many months (1 to 60)."
    )
    notice_days: int = Field(
        ge=1, le=180, description="Notice before an audit by the hospital, in days."
    )
    urgent_notice_workdays: int = Field(
        ge=1, le=90, description="Notice of an audit after a personal data breach, in Werkdagen."
    )


class ServiceDesk(Model):
    """The infrastructure provider's service desk: the one channel for faults and incidents."""

    email: Email = Field(description="The service desk's e-mail address.")
    phone: Text = Field(description="The service desk's telephone number, as printed.")
    hours: Text = Field(
        description="When the desk is staffed for P2 to P4, e.g. 'op Werkdagen "
        "van 7.30 tot 18.00 uur'."
    )


class Priority(Model):
    """A fault priority with its response and resolution times."""

    level: Literal["P1", "P2", "P3", "P4"] = Field(
        description="The priority, P1 (most urgent) to P4."
    )
    description: Text = Field(description="Which faults have this priority.")
    response_minutes: int = Field(
        ge=5, le=2880, description="Time to respond to a report, in minutes."
    )
    resolution_hours: int = Field(
        ge=1, le=720, description="Time to resolve or work around, in hours."
    )


class ServiceLevels(Model):
    """The service levels of the chain, reported monthly and backed by a remedy."""

    availability_percent: Decimal = Field(
        ge=90,
        le=100,
        decimal_places=2,
        description='Availability per calendar month in percent, 90 to 100, e.g. "99.5".',
    )
    p1_continuous: bool = Field(
        description="P1 faults can be reported and are handled 24 hours a day, 7 days a week."
    )
    priorities: list[Priority] = Field(
        min_length=4,
        max_length=4,
        description="Response and resolution times of P1, P2, P3 and P4, in that order; no "
        "lower priority faster than a higher one.",
    )
    outage_notice_minutes: int = Field(
        ge=5,
        le=240,
        description="The radiology department is "
        "told of an outage or backlog within this many minutes.",
    )
    report_workdays: int = Field(
        ge=1,
        le=90,
        description="The monthly service report follows "
        "within this many Werkdagen after the month.",
    )
    # The cap goes in the type: a Field(le=) here would lose to the le=100 inside Percent.
    credit_percent: Annotated[Percent, Field(le=50)] = Field(
        description="Credit on the month's pay-per-use fee, in percent (at most 50), when "
        "availability is below the target.",
    )
    termination_missed_months: int = Field(
        ge=1, le=12, description="Missed targets in this many months ..., at most the window."
    )
    termination_window_months: int = Field(
        ge=1,
        le=48,
        description="... within this window, in months, give a right to end the use.",
    )
    rpo_hours: int = Field(ge=1, le=72, description="Maximum data loss (RPO), in hours.")
    rto_hours: int = Field(ge=1, le=72, description="Maximum restore time (RTO), in hours.")
    maintenance_window: Text = Field(
        description="When planned maintenance takes place, in running text."
    )
    maintenance_notice_workdays: int = Field(
        ge=1,
        le=90,
        description="Notice of planned maintenance and of gateway updates, in Werkdagen.",
    )
    restore_tests_per_year: int = Field(
        ge=1, le=12, description="Restore tests from backup per year."
    )

    @model_validator(mode="after")
    def _priorities_in_order(self) -> ServiceLevels:
        if [p.level for p in self.priorities] != ["P1", "P2", "P3", "P4"]:
            raise fail("priorities", "priorities must be P1, P2, P3 and P4, in that order")
        for higher, lower in zip(self.priorities, self.priorities[1:], strict=False):
            if (
                lower.response_minutes < higher.response_minutes
                or lower.resolution_hours < higher.resolution_hours
            ):
                raise fail(
                    "priorities",
                    f"{lower.level} has a shorter response or resolution time than {higher.level}",
                )
        if self.termination_missed_months > self.termination_window_months:
            raise fail("term_order", "termination_missed_months exceeds termination_window_months")
        return self


class Patching(Model):
    """Terms to remedy vulnerabilities after a fix is available, by severity (CVSS)."""

    critical_days: int = Field(
        ge=1,
        le=14,
        description="Days to remedy a critical or actively exploited vulnerability once a fix "
        "is available.",
    )
    mitigation_hours: int = Field(
        ge=1,
        le=72,
        description="Hours for a mitigating measure for a critical vulnerability without a fix.",
    )
    high_days: int = Field(
        ge=1, le=60, description="Days to remedy a high vulnerability; at least critical_days."
    )
    medium_days: int = Field(
        ge=1, le=120, description="Days to remedy a medium vulnerability; at least high_days."
    )
    low_days: int = Field(
        ge=1, le=365, description="Days to remedy a low vulnerability; at least medium_days."
    )

    @model_validator(mode="after")
    def _by_severity(self) -> Patching:
        if not self.critical_days <= self.high_days <= self.medium_days <= self.low_days:
            raise fail(
                "term_order", "patch terms must not be longer for a more severe vulnerability"
            )
        return self


class InfrastructureAgreement(Model):
    """AIFI's agreement with the infrastructure provider, as the hospital is told of it."""

    date: IsoDate = Field(description="Date the agreement was signed, YYYY-MM-DD.")
    end: IsoDate = Field(
        description="Its fixed end, YYYY-MM-DD; at least the end of the funding period plus "
        "the transition period."
    )
    notice_months: int = Field(
        ge=1, le=36, description="Notice either party must give, in months."
    )

    @model_validator(mode="after")
    def _ordered(self) -> InfrastructureAgreement:
        if self.end <= self.date:
            raise fail("date_order", "end is not after date")
        return self


class Pseudonymisation(Model):
    """The one pseudonymisation profile of the local gateway, for the VWO and the DPIA alike."""

    basis: Text = Field(description="The standard the profile is based on.")
    kept: list[DicomAttribute] = Field(
        min_length=1,
        description="The positive list: the only "
        "attributes that leave the gateway (possibly replaced); "
        "every other attribute is removed.",
    )
    dates: Text = Field(description="What the gateway does with dates and times.")
    removed: Text = Field(description="Examples of what is removed, for the reader.")
    sample_size: int = Field(
        ge=5,
        le=1000,
        description="Number of pseudonymised studies checked at the acceptance test and "
        "every quarter (5 to 1000).",
    )


class Processor(Party):
    """The infrastructure provider that processes personal data for the hospitals."""

    id: Slug = Field(
        description="Short id (a slug such as 'nordlicht'): names its processor agreement "
        "file, verwerkersovereenkomst-<id>.docx, and is what hospitals[].processors lists."
    )
    contact: Person = Field(description="Its contact person for the hospitals.")
    privacy_officer: Person = Field(description="Its data protection officer.")
    service: Text = Field(description="The service, as it is named in the agreement.")
    locations: list[Location] = Field(
        min_length=1, description="Where it processes and stores the data."
    )
    certifications: list[Certification] = Field(
        min_length=1, description="Its certificates, e.g. NEN 7510 and ISO/IEC 27001."
    )
    breach_notification_hours: int = Field(
        ge=1,
        le=72,
        description="It reports a personal data breach to the hospital within this many hours.",
    )
    subprocessor_notice_days: int = Field(
        ge=1, le=180, description="A new sub-processor is announced this many days in advance."
    )
    objection_days: int = Field(
        ge=1,
        le=90,
        description="Days the hospital has to object after the notice of a new or changed "
        "sub-processor.",
    )
    deletion_days: int = Field(
        ge=1,
        le=180,
        description="All the hospital's data are deleted within this many days after the end.",
    )
    image_retention_hours: int = Field(
        ge=1,
        le=720,
        description="Hours pseudonymised images stay on the central platform after receipt.",
    )
    result_retention_days: int = Field(
        ge=1,
        le=365,
        description="Days AI results stay on the central platform after delivery.",
    )
    log_retention_months: int = Field(
        ge=6, le=120, description="Months logs are kept: at least six (AI Act Art. 26(6))."
    )
    audit: Audit = Field(description="The assurance report it provides and the audit terms.")
    liability_cap: Amount = Field(
        description="Cap on its liability under the processor agreement, in EUR per calendar year."
    )
    hosting: SubProcessor = Field(
        description="The sub-processor for the physical hosting of the Centrale Infrastructuur."
    )
    backup_retention_days: int = Field(
        ge=1, le=180, description="Days backups (without images) are kept."
    )
    insurance_cover: Amount = Field(
        description="Liability and cyber insurance per event, in EUR; at least liability_cap."
    )
    service_desk: ServiceDesk = Field(description="The one channel for faults and incidents.")
    service_levels: ServiceLevels = Field(description="Availability, priorities and remedies.")
    terms: ProcessorTerms = Field(
        description="The time limits it commits to in the processor agreement."
    )
    patching: Patching = Field(description="Terms to remedy vulnerabilities, by severity.")
    infrastructure_agreement: InfrastructureAgreement = Field(
        description="AIFI's agreement with it, as the hospital is told of it."
    )
    pseudonymisation: Pseudonymisation = Field(
        description="The pseudonymisation profile of the Lokale Gateway (positive list)."
    )

    @model_validator(mode="after")
    def _consistent_terms(self) -> Processor:
        if self.terms.subprocessor_breach_hours >= self.breach_notification_hours:
            raise fail(
                "term_order",
                "terms.subprocessor_breach_hours must be shorter than "
                "breach_notification_hours: the processor needs time to report on",
            )
        if self.insurance_cover < self.liability_cap:
            raise fail(
                "insurance", "insurance_cover is lower than the liability_cap it must cover"
            )
        return self


class Solution(Model):
    """An AI solution on offer: product, intended use, vendor, population and tariff."""

    id: Slug = Field(
        description="Short id (a slug such as 'fractuurdetectie'), as hospitals[].solutions "
        "and volumes name it."
    )
    name: Text = Field(description="Name in running text, e.g. 'Fractuurdetectie'.")
    product: Text = Field(description="Product name and version, e.g. 'Osmetry BoneAge 2'.")
    description: Text = Field(description="What it does, in running text (lower case).")
    intended_use: Text = Field(description="Its intended use, as the manufacturer states it.")
    vendor: Vendor = Field(description="The supplier, a sub-processor of the processor.")
    ce_class: Literal["I", "IIa", "IIb", "III"] = Field(
        description="Class as a medical device under the MDR: I, IIa, IIb or III."
    )
    patients: Text = Field(description="The patient population the solution is meant for.")
    involves_children: bool = Field(
        description="Whether it is used for children (under 18); if not, every hospital's "
        "children_per_year for it is 0."
    )
    tariff_per_study: Amount = Field(
        description="Pay-per-use tariff per study in EUR, at most 2 decimals (VAT as "
        "programme.tariffs.vat says)."
    )
    modality: Text = Field(description="The DICOM modalities it analyses, e.g. 'CR/DX' or 'CT'.")
    imaging: Text = Field(
        description="The images in running text, e.g. 'conventionele "
        "röntgenopnamen' or 'CT-scans van de thorax'."
    )
    body_part: Text = Field(description="The body part(s) examined.")
    emergency_care: bool = Field(
        description="Used in emergency care (SEH): results may be "
        "read before the radiologist's report."
    )
    age_unit: Literal["jaren", "maanden"] = Field(description="The unit of the age it needs.")
    result: Text = Field(description="What the AI-uitkomst consists of.")
    users: list[Text] = Field(
        default_factory=list,
        description="Users of the AI-uitkomst "
        "besides the radiologists, as plural nouns ('SEH-artsen').",
    )
    departments: list[Text] = Field(
        default_factory=list,
        description="Departments besides "
        "radiology that use the results, with article ('de "
        "spoedeisende hulp').",
    )
    benefit: Text = Field(description="What the patient gains, for the proportionality test.")
    known_limitations: Text = Field(description="Known limitations from the instructions for use.")
    reference_standard: Text | None = Field(
        None, description="The reference method or population the result is set against, if any."
    )
    prohibited_uses: list[Text] = Field(
        default_factory=list,
        description="Uses outside care that the hospital rules out for this solution.",
    )
    end_user_terms: Text = Field(
        description="The vendor's end-user terms the hospital accepts (name and version)."
    )
    dicom_attributes: list[DicomAttribute] = Field(
        default_factory=list,
        description="Attributes this solution needs on top of the processor's profile.",
    )
