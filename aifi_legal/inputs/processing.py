"""Who processes what, where: the infrastructure provider, its sub-processors, the solutions.

With their service levels, retention and the one pseudonymisation profile.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

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
    frequency_months: int = Field(ge=1, le=60)
    notice_days: int = Field(ge=1, le=180, description="Notice before an audit by the hospital.")
    urgent_notice_workdays: int = Field(
        ge=1, le=90, description="Notice of an audit after a personal data breach."
    )


class ServiceDesk(Model):
    """The infrastructure provider's service desk: the one channel for faults and incidents."""

    email: Email
    phone: Text
    hours: Text = Field(
        description="When the desk is staffed for P2 to P4, e.g. 'op Werkdagen "
        "van 7.30 tot 18.00 uur'."
    )


class Priority(Model):
    """A fault priority with its response and resolution times."""

    level: Literal["P1", "P2", "P3", "P4"]
    description: Text = Field(description="Which faults have this priority.")
    response_minutes: int = Field(ge=5, le=2880, description="Time to respond to a report.")
    resolution_hours: int = Field(ge=1, le=720, description="Time to resolve or work around.")


class ServiceLevels(Model):
    """The service levels of the chain, reported monthly and backed by a remedy."""

    availability_percent: Decimal = Field(
        ge=90, le=100, decimal_places=2, description="Availability per calendar month."
    )
    p1_continuous: bool = Field(
        description="P1 faults can be reported and are handled 24 hours a day, 7 days a week."
    )
    priorities: list[Priority] = Field(min_length=4, max_length=4)
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
    credit_percent: Percent = Field(
        le=50,
        description="Credit on the month's pay-per-use fee when availability is below the target.",
    )
    termination_missed_months: int = Field(
        ge=1, le=12, description="Missed targets in this many months ..."
    )
    termination_window_months: int = Field(
        ge=1, le=48, description="... within this window give a right to end the use."
    )
    rpo_hours: int = Field(ge=1, le=72, description="Maximum data loss (RPO).")
    rto_hours: int = Field(ge=1, le=72, description="Maximum restore time (RTO).")
    maintenance_window: Text = Field(description="When planned maintenance takes place.")
    maintenance_notice_workdays: int = Field(
        ge=1, le=90, description="Notice of planned maintenance and of gateway updates."
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


class ProcessorTerms(Model):
    """Time limits the processor commits to in the processor agreement."""

    subprocessor_breach_hours: int = Field(
        ge=1,
        le=48,
        description="Sub-processors report an incident to the processor within this many hours.",
    )
    confirmation_workdays: int = Field(
        ge=1,
        le=40,
        description="Confirming an instruction, "
        "forwarding a data subject's request, information for "
        "informing data subjects.",
    )
    assistance_workdays: int = Field(
        ge=1,
        le=90,
        description="Assistance with a data "
        "subject's request, documents for the supervisory "
        "authority, certificates, log extracts, a deletion "
        "instruction.",
    )
    information_workdays: int = Field(
        ge=1,
        le=90,
        description="Information on request: audit "
        "reports, the register, sub-processor terms, DPIA input, "
        "the final incident report, the deletion statement.",
    )
    incident_triage_hours: int = Field(
        ge=1,
        le=24,
        description="An incident is registered and first assessed within this many hours.",
    )
    incident_response_hours: int = Field(
        ge=1,
        le=48,
        description="Answers during the "
        "hospital's notification period, help with an "
        "incident on the hospital's side, a suspension.",
    )
    incident_update_hours: int = Field(
        ge=1, le=72, description="Status updates, logs after a breach, notice of incorrect data."
    )
    access_revocation_hours: int = Field(
        ge=1, le=72, description="Rights of a leaver are revoked within this many hours."
    )
    change_notice_days: int = Field(
        ge=1,
        le=180,
        description="Notice of a change of the measures or of anything that affects the DPIA.",
    )
    remediation_days: int = Field(
        ge=1, le=90, description="Remediation plan after an audit; summary of a penetration test."
    )
    objection_resolution_days: int = Field(
        ge=1,
        le=90,
        description="Without a solution to an "
        "objection or a disputed instruction in this many "
        "days, the agreement may be ended for it.",
    )
    suspension_cure_months: int = Field(
        ge=1,
        le=12,
        description="After a suspension the "
        "processor restores compliance within this many months.",
    )
    screening_months: int = Field(
        ge=1, le=12, description="A certificate of conduct (VOG) is at most this old."
    )
    certification_months: int = Field(
        ge=1,
        le=48,
        description="A missing NEN 7510 certificate is obtained within this many months.",
    )
    choice_workdays: int = Field(
        ge=1,
        le=90,
        description="The hospital chooses between return and deletion within this many Werkdagen.",
    )

    @model_validator(mode="after")
    def _incident_order(self) -> ProcessorTerms:
        if (
            not self.incident_triage_hours
            <= self.incident_response_hours
            <= self.incident_update_hours
        ):
            raise fail(
                "term_order",
                "incident terms must satisfy incident_triage_hours <= "
                "incident_response_hours <= incident_update_hours",
            )
        return self


class Patching(Model):
    """Terms to remedy vulnerabilities after a fix is available, by severity (CVSS)."""

    critical_days: int = Field(ge=1, le=14)
    mitigation_hours: int = Field(
        ge=1, le=72, description="A mitigating measure for a critical vulnerability without a fix."
    )
    high_days: int = Field(ge=1, le=60)
    medium_days: int = Field(ge=1, le=120)
    low_days: int = Field(ge=1, le=365)

    @model_validator(mode="after")
    def _by_severity(self) -> Patching:
        if not self.critical_days <= self.high_days <= self.medium_days <= self.low_days:
            raise fail(
                "term_order", "patch terms must not be longer for a more severe vulnerability"
            )
        return self


class InfrastructureAgreement(Model):
    """AIFI's agreement with the infrastructure provider, as the hospital is told of it."""

    date: IsoDate = Field(description="Date the agreement was signed.")
    end: IsoDate = Field(description="Its fixed end; at least the end of the funding period.")
    notice_months: int = Field(ge=1, le=36, description="Notice either party must give.")

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
    dates: Text = Field(description="What happens to dates and times.")
    removed: Text = Field(description="Examples of what is removed, for the reader.")
    sample_size: int = Field(
        ge=5,
        le=1000,
        description="Pseudonymised studies checked at the acceptance test and every quarter.",
    )


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
    image_retention_hours: int = Field(
        ge=1, le=720, description="How long pseudonymised images stay on the central platform."
    )
    result_retention_days: int = Field(ge=1, le=365)
    log_retention_months: int = Field(
        ge=6, le=120, description="At least six months (AI Act Art. 26(6))."
    )
    audit: Audit
    liability_cap: Amount
    hosting: SubProcessor
    backup_retention_days: int = Field(
        ge=1, le=180, description="How long backups (without images) are kept."
    )
    insurance_cover: Amount = Field(description="Liability and cyber insurance per event.")
    service_desk: ServiceDesk
    service_levels: ServiceLevels
    terms: ProcessorTerms
    patching: Patching
    infrastructure_agreement: InfrastructureAgreement
    pseudonymisation: Pseudonymisation

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
