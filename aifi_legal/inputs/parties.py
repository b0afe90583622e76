"""The contracting parties: legal form, address, signatories and their authority.

Everything a document prints about a party (the Dutch name of a legal form, the wording of an
authority) lives here, so that all documents say the same.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ..names import name_key
from .fields import (
    Amount,
    DocumentKindName,
    Email,
    KvK,
    Model,
    Postcode,
    Text,
    fail,
    given,
    lacks,
    needs,
    schema_rule,
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
    postcode: Postcode = Field(
        description="Dutch postcode: four digits and two letters, e.g. '3511 AB' (written "
        "with a space and capitals in the documents)."
    )
    city: Text = Field(description="Place name, e.g. 'Utrecht'.")

    @property
    def one_line(self) -> str:
        """The address on one line."""
        return f"{self.street}, {self.postcode} {self.city}"


class Person(Model):
    """A contact person."""

    name: Text = Field(
        description="Full name, with titles as it is printed, e.g. 'drs. A. de Vries'."
    )
    function: Text = Field(description="Job title, e.g. 'functionaris gegevensbescherming'.")
    email: Email = Field(description="E-mail address, printed in the contact annexes.")
    phone: Text | None = Field(
        None, description="Telephone number as it is printed, e.g. '+31 30 799 12 00'; optional."
    )


class Signatory(Model):
    """A person who signs for a party, and with which authority."""

    model_config = schema_rule(
        given("authority", "proxy"), needs("proxy_scope"), lacks("proxy_limit")
    )

    name: Text = Field(
        description="Full name, with titles, as printed in the comparitie and on the "
        "signature page."
    )
    function: Text = Field(
        description="Position, e.g. 'voorzitter Raad van Bestuur', printed under the signature."
    )
    authority: Authority = Field(
        description="alone: authorised to act alone; jointly: acts "
        "together with another joint signatory; proxy: acts under a "
        "written power of attorney (give proxy_scope)."
    )
    proxy_scope: Text | None = Field(
        None,
        description="Scope and date of the power of attorney; required with authority proxy, "
        "printed as the signatory's capacity.",
    )
    place: Text | None = Field(
        None, description="Place of signing on the signature page; defaults to the seat."
    )
    email: Email | None = Field(
        None,
        description="E-mail address for reminders to sign (aifi-legal remind); optional: "
        "without it the reminder goes to the party's contact (a hospital's legal contact). "
        "Never printed in the documents.",
    )
    signs: list[DocumentKindName] | None = Field(
        None,
        description="The document kinds this signatory may sign (a proxy's scope); "
        "default: every kind.",
    )
    proxy_limit: Amount | None = Field(
        None,
        description="A proxy's value limit in EUR (the highest contract value the power "
        "of attorney covers), at most 2 decimals; only with authority proxy, checked against "
        "the estimated value of the participation agreement including VAT.",
    )

    def may_sign(self, kind: str) -> bool:
        """Whether this signatory signs documents of `kind`."""
        return self.signs is None or kind in self.signs

    @model_validator(mode="after")
    def _proxy_needs_scope(self) -> Signatory:
        if self.authority is Authority.proxy and not self.proxy_scope:
            raise PydanticCustomError(
                "proxy_scope",
                "a proxy signatory needs proxy_scope (what the power of "
                "attorney covers and its date)",
            )
        if self.proxy_limit is not None and self.authority is not Authority.proxy:
            raise PydanticCustomError(
                "proxy_limit", "proxy_limit is only for a signatory with authority: proxy"
            )
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

    legal_name: Text = Field(
        description="Name as registered in the Handelsregister, printed in the comparitie."
    )
    short_name: Text = Field(
        description="Name used in running text of the documents, e.g. 'AIFI' or 'Rijnstede'."
    )
    legal_form: LegalForm = Field(
        description="Legal form, written out in the comparitie (bv: besloten vennootschap "
        "met beperkte aansprakelijkheid)."
    )
    seat: Text = Field(description="Statutory seat (statutaire zetel), a place name.")
    kvk: KvK = Field(
        description="KvK number (Handelsregister): 8 digits; quote it when it starts with 0, "
        'e.g. "01234567".'
    )
    address: Address = Field(description="Visiting or postal address printed in the comparitie.")
    signatories: list[Signatory] = Field(
        min_length=1,
        description="The people who sign for the party, with their authority; together they "
        "must be able to bind it for every document they sign.",
    )

    @model_validator(mode="after")
    def _signatories_can_bind(self) -> Party:
        # One person listed twice would let one signature count for two.
        seen: set[tuple[str, ...]] = set()
        for signatory in self.signatories:
            key = name_key(signatory.name)
            if key in seen:
                raise fail(
                    "duplicate_signatory", f"{signatory.name} is listed twice as a signatory"
                )
            seen.add(key)
        joint = [s for s in self.signatories if s.authority is Authority.jointly]
        if len(joint) == 1:
            raise fail(
                "joint_alone",
                f"{joint[0].name} is authorised jointly, so a second "
                "jointly authorised signatory is needed",
            )
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
            return (
                f"{eligible[0].name} is authorised jointly only, and no second jointly "
                f"authorised signatory may sign the {kind}"
            )
        return None
