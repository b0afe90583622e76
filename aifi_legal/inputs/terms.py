"""The time limits the documents state: the programme's and the processor's.

Each is a whole number in the unit its name ends with (weeks, months, years, days, Werkdagen,
hours). The programme's (ProgrammeTerms, in Consortium.programme) and the processor's
(ProcessorTerms, in Processor) are many, so they have this module of their own.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .fields import Model, fail


class ProgrammeTerms(Model):
    """Time limits in the intention statement and the participation agreement."""

    start_confirmation_weeks: int = Field(
        ge=1,
        le=26,
        description="AIFI confirms the start "
        "of the group at least this many weeks before the Startdatum.",
    )
    kickoff_weeks: int = Field(
        ge=1, le=26, description="Kick-off within this many weeks of the Startdatum."
    )
    planning_final_weeks: int = Field(
        ge=1,
        le=26,
        description="The project planning is final within this many weeks of the kick-off.",
    )
    project_organisation_weeks: int = Field(
        ge=1,
        le=26,
        description="The hospital's project "
        "organisation is set up within this many weeks of "
        "the Startdatum.",
    )
    planning_revision_weeks: int = Field(
        ge=1,
        le=26,
        description="A revised planning after a reported delay within this many weeks.",
    )
    intention_talks_months: int = Field(
        ge=1,
        le=12,
        description="Parties discuss an extension this many months before the intention "
        "statement ends.",
    )
    contact_change_workdays: int = Field(
        ge=1,
        le=90,
        description="A change of a role or contact person is notified within this many Werkdagen.",
    )
    delay_report_workdays: int = Field(
        ge=1, le=90, description="An expected delay is reported within this many Werkdagen."
    )
    checklist_workdays: int = Field(
        ge=1,
        le=90,
        description="The hospital returns the technical checklist within this many Werkdagen.",
    )
    technical_acceptance_workdays: int = Field(
        ge=1, le=90, description="Technical acceptance within this many Werkdagen of a passed PAT."
    )
    change_notice_workdays: int = Field(
        ge=1,
        le=90,
        description="Notice of hospital changes that may affect the chain, in Werkdagen.",
    )
    go_live_report_workdays: int = Field(
        ge=1,
        le=90,
        description="The Datum Functioneel Gebruik is reported within this many Werkdagen.",
    )
    go_live_evaluation_months: int = Field(
        ge=1, le=24, description="Evaluation after go-live within this many months."
    )
    validation_consultation_workdays: int = Field(
        ge=1,
        le=90,
        description="Consultation within this many Werkdagen of a negative validation.",
    )
    suspension_report_workdays: int = Field(
        ge=1,
        le=40,
        description="The hospital reports a suspension of use within this many Werkdagen.",
    )
    safety_notice_workdays: int = Field(
        ge=1,
        le=40,
        description="AIFI passes on a field safety notice or recall within this many Werkdagen.",
    )
    release_notice_weeks: int = Field(
        ge=1,
        le=26,
        description="Notice, in weeks, of a new version or change that affects the workflow "
        "or intended use.",
    )
    information_workdays: int = Field(
        ge=1, le=90, description="AIFI provides requested information within this many Werkdagen."
    )
    meeting_request_workdays: int = Field(
        ge=1,
        le=90,
        description="A bilateral meeting takes place within this many Werkdagen of a request.",
    )
    minutes_workdays: int = Field(
        ge=1, le=90, description="Minutes of a meeting within this many Werkdagen."
    )
    publication_notice_days: int = Field(
        ge=1,
        le=90,
        description="A publication of own validation results is shown to AIFI this many "
        "days before.",
    )
    confidentiality_years: int = Field(
        ge=1,
        le=20,
        description="Confidentiality survives the "
        "intention statement and the agreement this many years.",
    )
    exit_notice_workdays: int = Field(
        ge=1,
        le=90,
        description="The time of disconnection is agreed at least this many Werkdagen "
        "before the end.",
    )
    return_days: int = Field(
        ge=1,
        le=90,
        description="Confidential information is returned "
        "or destroyed within this many days after the end.",
    )
    final_invoice_months: int = Field(
        ge=1, le=12, description="Final invoice within this many months after the end."
    )
    continuation_talks_months: int = Field(
        ge=1,
        le=36,
        description="Talks on continuation start this many months before the funding period ends.",
    )
    continuation_proposal_months: int = Field(
        ge=1,
        le=36,
        description="AIFI's written proposal for continuation this many months before the "
        "end; at most continuation_talks_months.",
    )
    ce_restore_months: int = Field(
        ge=1,
        le=24,
        description="A lapsed CE marking not restored "
        "within this many months gives a right to end the use.",
    )
    assignment_notice_months: int = Field(
        ge=1, le=12, description="Notice of an assignment of the agreement by AIFI, in months."
    )

    @model_validator(mode="after")
    def _continuation_order(self) -> ProgrammeTerms:
        if self.continuation_proposal_months > self.continuation_talks_months:
            raise fail(
                "term_order",
                "continuation_proposal_months comes before the talks "
                "start: it must not exceed continuation_talks_months",
            )
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
        description="Werkdagen for confirming an instruction, "
        "forwarding a data subject's request, information for "
        "informing data subjects.",
    )
    assistance_workdays: int = Field(
        ge=1,
        le=90,
        description="Werkdagen for assistance with a data "
        "subject's request, documents for the supervisory "
        "authority, certificates, log extracts, a deletion "
        "instruction.",
    )
    information_workdays: int = Field(
        ge=1,
        le=90,
        description="Werkdagen for information on request: audit "
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
        description="Hours for answers during the "
        "hospital's notification period, help with an "
        "incident on the hospital's side, a suspension.",
    )
    incident_update_hours: int = Field(
        ge=1,
        le=72,
        description="Hours for status updates, logs after a breach, notice of incorrect data.",
    )
    access_revocation_hours: int = Field(
        ge=1, le=72, description="Rights of a leaver are revoked within this many hours."
    )
    change_notice_days: int = Field(
        ge=1,
        le=180,
        description="Notice, in days, of a change of the measures or of anything that "
        "affects the DPIA.",
    )
    remediation_days: int = Field(
        ge=1,
        le=90,
        description="Days for a remediation plan after an audit and for the summary of a "
        "penetration test.",
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
        ge=1, le=12, description="A certificate of conduct (VOG) is at most this many months old."
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
