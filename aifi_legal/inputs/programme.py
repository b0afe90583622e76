"""The programme's terms: funding, tariffs, planning, liability, continuity, disputes.

These are the commitments the intention statement and the participation agreement state;
each is a field here, so that every document states it from one source.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .fields import (
    Amount,
    IsoDate,
    Model,
    Percent,
    Text,
    Version,
    fail,
)
from .parties import Party, Person


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


class DateRange(Model):
    """A period with a first and a last day (both inclusive)."""

    start: IsoDate = Field(description="The first day of the period.")
    end: IsoDate = Field(description="The last day of the period (inclusive).")

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end <= self.start:
            raise fail(
                "date_order",
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}",
            )
        return self


class Vat(Model):
    """How VAT (omzetbelasting) applies to the tariffs."""

    treatment: Literal["exclusief", "inclusief", "vrijgesteld"] = Field(
        description="exclusief: VAT is charged on top of the tariffs; inclusief: the tariffs are "
        "final amounts including VAT; vrijgesteld: no VAT is charged."
    )
    rate_percent: Percent | None = Field(
        None, description="The VAT rate in per cent (for exclusief and inclusief)."
    )

    @model_validator(mode="after")
    def _rate_matches_treatment(self) -> Vat:
        if self.treatment == "vrijgesteld" and self.rate_percent is not None:
            raise fail("vat_rate", "a VAT-exempt tariff has no rate_percent")
        if self.treatment != "vrijgesteld" and self.rate_percent is None:
            raise fail("vat_rate", f"VAT {self.treatment} needs rate_percent")
        return self


class Tariffs(Model):
    """Pay-per-use invoicing terms of the participation agreement."""

    vat: Vat
    indexation_cap_percent: Percent = Field(
        le=10, description="Highest yearly tariff increase in per cent (also capped by the CPI)."
    )
    change_notice_months: int = Field(ge=1, le=12, description="Notice of a tariff change.")
    payment_days: int = Field(ge=8, le=90, description="Payment term of an invoice.")
    objection_days: int = Field(ge=8, le=90, description="Term to object to an invoice.")
    late_payment_notice_days: int = Field(
        ge=7,
        le=60,
        description="Term in the notice of default before statutory commercial interest is due.",
    )


class ProgrammeLiability(Model):
    """Liability terms of the participation agreement besides the cap."""

    cure_days: int = Field(
        ge=14, le=90, description="Cure period in a notice of default (also before rescission)."
    )
    claim_months: int = Field(
        ge=6,
        le=36,
        description="A claim lapses if not notified within this many months after discovery.",
    )
    force_majeure_days: int = Field(
        ge=14, le=180, description="Force majeure lasting longer gives a right to terminate."
    )
    insurance_cover: Amount = Field(description="AIFI's liability insurance cover per event.")


class ProgrammeTerms(Model):
    """Time limits in the intention statement and the participation agreement."""

    start_confirmation_weeks: int = Field(
        ge=1,
        le=26,
        description="AIFI confirms the start "
        "of the group at least this long before the Startdatum.",
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
        description="Parties discuss an extension this long before the intention statement ends.",
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
        ge=1, le=90, description="Notice of hospital changes that may affect the chain."
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
        ge=1, le=90, description="Consultation after a negative validation."
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
        description="Notice of a new version or change that affects the workflow or intended use.",
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
        description="A publication of own validation results is shown to AIFI this long before.",
    )
    confidentiality_years: int = Field(
        ge=1,
        le=20,
        description="Confidentiality survives the "
        "intention statement and the agreement this long.",
    )
    exit_notice_workdays: int = Field(
        ge=1,
        le=90,
        description="The time of disconnection is agreed at least this long before the end.",
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
        description="Talks on continuation start this long before the funding period ends.",
    )
    continuation_proposal_months: int = Field(
        ge=1,
        le=36,
        description="AIFI's written proposal for continuation this long before the end.",
    )
    ce_restore_months: int = Field(
        ge=1,
        le=24,
        description="A lapsed CE marking not restored "
        "within this many months gives a right to end the use.",
    )
    assignment_notice_months: int = Field(
        ge=1, le=12, description="Notice of an assignment of the agreement by AIFI."
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


class Continuity(Model):
    """Exit and continuity: what protects the hospital if a supplier falls away."""

    vendor_notice_months: int = Field(
        ge=3,
        le=36,
        description="Notice AIFI secures in its "
        "contracts with the AI vendors before a vendor may stop.",
    )
    hospital_notice_workdays: int = Field(
        ge=1,
        le=90,
        description="AIFI tells the hospital of any such notice within this many Werkdagen.",
    )
    transition_months: int = Field(
        ge=1,
        le=36,
        description="Transition period with support "
        "and continued use on the same terms after an end.",
    )
    provider_change_notice_months: int = Field(
        ge=1, le=36, description="Notice of a change of infrastructure provider."
    )


class Dispute(Model):
    """Escalation of a dispute before it goes to court."""

    project_workdays: int = Field(ge=1, le=90, description="Talks between the project leads.")
    board_workdays: int = Field(ge=1, le=90, description="Talks between the boards.")
    court_workdays: int = Field(
        ge=1,
        le=120,
        description="After this many Werkdagen from the notification a party may go to court.",
    )

    @model_validator(mode="after")
    def _escalation_fits(self) -> Dispute:
        if self.court_workdays < self.project_workdays + self.board_workdays:
            raise fail(
                "term_order",
                "court_workdays is shorter than the escalation "
                "(project_workdays + board_workdays) it follows",
            )
        return self


class Programme(Model):
    """Programme facts the clauses rely on."""

    initiators: list[Text] = Field(min_length=1)
    funder: Text
    funder_short: Text
    funding_period: DateRange = Field(
        description="The period in which the funder pays for the "
        "central infrastructure and the central project "
        "organisation; the participation agreement ends with it."
    )
    pay_per_use_funded_months: int = Field(
        ge=0,
        le=60,
        description="Months of pay-per-use the "
        "funder pays per solution from its Datum Functioneel "
        "Gebruik, also after the funding period.",
    )
    planning: Planning
    intention_term_months: int = Field(ge=1, le=36)
    notice_period_months: int = Field(ge=1, le=36)
    liability_cap: Amount
    court: Text
    dpia_review_months: int = Field(
        ge=1,
        le=24,
        description="The DPIA is reviewed within this "
        "many months of the Datum Functioneel Gebruik.",
    )
    tariffs: Tariffs
    liability: ProgrammeLiability
    terms: ProgrammeTerms
    continuity: Continuity
    dispute: Dispute

    @model_validator(mode="after")
    def _liability_insured(self) -> Programme:
        if self.liability.insurance_cover < self.liability_cap:
            raise fail(
                "insurance",
                "liability.insurance_cover is lower than the liability_cap it must cover",
            )
        return self


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


def _months_between(first: date, last: date) -> int:
    """Whole months from `first` up to `last` (0 when `last` is not after `first`)."""
    months = (last.year - first.year) * 12 + last.month - first.month
    if last.day < first.day:
        months -= 1
    return max(months, 0)


def _plus_months(value: date, months: int) -> date:
    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    for day in (value.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def go_live(programme: Programme, group_start: date) -> date:
    """The expected Datum Functioneel Gebruik: the day after the planning's clinical phase.

    That is the date the documents print as the end of that phase, plus one day.
    """
    return _plus_months(group_start, programme.planning.clinical.last)


def paid_months(programme: Programme, group_start: date) -> int:
    """Months of pay-per-use the hospital pays itself within the funding period."""
    first = _plus_months(go_live(programme, group_start), programme.pay_per_use_funded_months)
    return _months_between(first, programme.funding_period.end)
