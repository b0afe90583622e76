"""The programme's terms: funding, tariffs, planning, liability, continuity, disputes.

These are the commitments the intention statement and the participation agreement state;
each is a field here, so that every document states it from one source. The time limits of
the two documents are in terms.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

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
    given,
    lacks,
    needs,
    schema_rule,
)
from .parties import Party, Person
from .terms import ProgrammeTerms


class MonthRange(Model):
    """A period of the planning, as month numbers counted from the group's start."""

    first: int = Field(
        ge=1,
        le=36,
        description="First month of the period, 1 to 36 (month 1 starts on the group's "
        "start_date).",
    )
    last: int = Field(
        ge=1, le=36, description="Last month of the period (inclusive), 1 to 36, not before first."
    )

    @model_validator(mode="after")
    def _ordered(self) -> MonthRange:
        if self.last < self.first:
            raise PydanticCustomError("month_order", "last month comes before the first")
        return self


class Planning(Model):
    """The months of the legal, technical and clinical pillars."""

    legal: MonthRange = Field(
        description="Months of the legal pillar: the documents are signed; no patient data "
        "are processed before its end."
    )
    technical: MonthRange = Field(
        description="Months of the technical pillar: gateway, connection and acceptance tests."
    )
    clinical: MonthRange = Field(
        description="Months of the clinical pillar: validation and introduction; the day after "
        "its last month is the expected Datum Functioneel Gebruik."
    )


class DateRange(Model):
    """A period with a first and a last day (both inclusive)."""

    start: IsoDate = Field(description="The first day of the period, YYYY-MM-DD.")
    end: IsoDate = Field(
        description="The last day of the period (inclusive), YYYY-MM-DD; after start."
    )

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

    model_config = schema_rule(
        given("treatment", "vrijgesteld"), lacks("rate_percent"), needs("rate_percent")
    )

    treatment: Literal["exclusief", "inclusief", "vrijgesteld"] = Field(
        description="exclusief: VAT is charged on top of the tariffs; inclusief: the tariffs are "
        "final amounts including VAT; vrijgesteld: no VAT is charged."
    )
    rate_percent: Percent | None = Field(
        None,
        description="The VAT rate in percent, e.g. 21; required for exclusief and inclusief, "
        "left out for vrijgesteld.",
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

    vat: Vat = Field(description="How VAT applies to the tariffs per study.")
    # The cap goes in the type: a Field(le=) here would lose to the le=100 inside Percent.
    indexation_cap_percent: Annotated[Percent, Field(le=10)] = Field(
        description="Highest yearly tariff increase in percent, at most 2 decimals (also "
        "capped by the CPI).",
    )
    change_notice_months: int = Field(
        ge=1, le=12, description="Notice of a tariff change, in months (1 to 12)."
    )
    payment_days: int = Field(
        ge=8, le=90, description="Payment term of an invoice, in days after its date (8 to 90)."
    )
    objection_days: int = Field(
        ge=8, le=90, description="Term to object to an invoice, in days after its date (8 to 90)."
    )
    late_payment_notice_days: int = Field(
        ge=7,
        le=60,
        description="Term in the notice of default before statutory commercial interest is "
        "due, in days (7 to 60).",
    )


class ProgrammeLiability(Model):
    """Liability terms of the participation agreement besides the cap."""

    cure_days: int = Field(
        ge=14,
        le=90,
        description="Cure period in a notice of default (also before rescission), in days.",
    )
    claim_months: int = Field(
        ge=6,
        le=36,
        description="A claim lapses if not notified within this many months of discovery.",
    )
    force_majeure_days: int = Field(
        ge=14,
        le=180,
        description="Force majeure lasting longer than this many days gives a right to end.",
    )
    insurance_cover: Amount = Field(
        description="AIFI's liability insurance cover per event, in EUR; at least liability_cap."
    )


class Continuity(Model):
    """Exit and continuity: what protects the hospital if a supplier falls away."""

    vendor_notice_months: int = Field(
        ge=3,
        le=36,
        description="Notice AIFI secures in its "
        "contracts with the AI vendors before a vendor may stop, in months.",
    )
    hospital_notice_workdays: int = Field(
        ge=1,
        le=90,
        description="AIFI tells the hospital of any such notice within this many Werkdagen.",
    )
    transition_months: int = Field(
        ge=1,
        le=36,
        description="Transition period, in months, with support "
        "and continued use on the same terms after an end.",
    )
    provider_change_notice_months: int = Field(
        ge=1, le=36, description="Notice of a change of infrastructure provider, in months."
    )


class Dispute(Model):
    """Escalation of a dispute before it goes to court."""

    project_workdays: int = Field(
        ge=1, le=90, description="Werkdagen for talks between the project leads."
    )
    board_workdays: int = Field(
        ge=1, le=90, description="Werkdagen for talks between the boards, after the project leads."
    )
    court_workdays: int = Field(
        ge=1,
        le=120,
        description="After this many Werkdagen from the notification a party may go to court; "
        "at least project_workdays + board_workdays.",
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

    initiators: list[Text] = Field(
        min_length=1,
        description="The programme's initiators as named in running text, with the article, "
        "e.g. 'de Nederlandse Vereniging voor Radiologie (NVvR)'.",
    )
    funder: Text = Field(
        description="The funder of the programme, full name, e.g. 'Zorgverzekeraars Nederland'."
    )
    funder_short: Text = Field(description="The funder's short name in running text, e.g. 'ZN'.")
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
        "Gebruik, also after the funding period (0 to 60).",
    )
    planning: Planning = Field(
        description="The months of the three pillars, counted from the group's start_date."
    )
    intention_term_months: int = Field(
        ge=1,
        le=36,
        description="The intention statement ends this many months after signing, or at the "
        "end of the legal pillar if that is later.",
    )
    notice_period_months: int = Field(
        ge=1,
        le=36,
        description="Notice period, in months, to terminate the participation agreement (or a "
        "solution) at the end of a calendar month.",
    )
    liability_cap: Amount = Field(
        description="Cap on a party's liability under the participation agreement, in EUR per "
        "calendar year."
    )
    court: Text = Field(
        description="The competent court for disputes, as it follows 'de', e.g. 'rechtbank "
        "Midden-Nederland'."
    )
    dpia_review_months: int = Field(
        ge=1,
        le=24,
        description="The DPIA is reviewed within this "
        "many months of the Datum Functioneel Gebruik.",
    )
    tariffs: Tariffs = Field(description="Pay-per-use invoicing terms.")
    liability: ProgrammeLiability = Field(
        description="Cure period, claims, force majeure and insurance under the participation "
        "agreement (the cap is liability_cap)."
    )
    terms: ProgrammeTerms = Field(
        description="The other time limits of the intention statement and the participation "
        "agreement, each with its unit in its name."
    )
    continuity: Continuity = Field(description="Exit and continuity terms.")
    dispute: Dispute = Field(
        description="The steps of a dispute (project leads, boards, court), in Werkdagen."
    )

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

    version: Version = Field(
        description='Version of the documents, e.g. "1.0" (quoted), printed on every document '
        "and part of its id."
    )
    date: IsoDate = Field(
        description="Date of this edition, YYYY-MM-DD, printed on every document."
    )


class Consortium(Party):
    """AIFI as a contracting party, with the programme facts and the edition."""

    contact: Person = Field(description="AIFI's contact person for the hospitals.")
    programme: Programme = Field(description="The programme facts the clauses rely on.")
    documents: DocumentEdition = Field(description="The edition of the documents.")


class Group(Model):
    """An implementation group and the day it starts."""

    number: int = Field(ge=1, description="Group number, 1 or more; hospitals refer to it.")
    start_date: IsoDate = Field(
        description="The group's Startdatum, YYYY-MM-DD: the planning months count from it."
    )


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
