"""hospitals.yaml: the example loads, and every kind of bad input gets a located, clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE, TWO_HOSPITALS

from aifi_legal.errors import DataError
from aifi_legal.inputs.portfolio import json_schema, load_portfolio, parse_portfolio

# Every mistake is made in the two-hospital scenario, never in the shipped example.
BASE = TWO_HOSPITALS.read_text("utf-8")
FILE = Path("hospitals.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(DataError) as caught:
        parse_portfolio(text, FILE)
    return [str(p) for p in caught.value.problems]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    return text[:index].count("\n") + 1


def edit(old: str, new: str, count: int = 1) -> str:
    assert BASE.count(old) >= count, old
    return BASE.replace(old, new, count)


def test_example_loads():
    portfolio = load_portfolio(EXAMPLE).portfolio
    assert len(portfolio.hospitals) >= 6
    assert {h.group for h in portfolio.hospitals} >= {1, 2}
    choices = {tuple(sorted(h.solutions)) for h in portfolio.hospitals}
    assert {
        ("fractuurdetectie",),
        ("skeletleeftijd",),
        ("fractuurdetectie", "skeletleeftijd"),
    } <= choices
    assert any(h.represented_jointly for h in portfolio.hospitals)
    names = " ".join(h.legal_name + h.seat for h in portfolio.hospitals)
    assert "&" in names and "'s-Hertogenbosch" in names and "è" in names


def test_kvk_with_leading_zero_stays_text_even_unquoted():
    text = edit('kvk: "05550123"', "kvk: 05550123")
    portfolio = parse_portfolio(text, FILE)
    assert portfolio.hospital("linde-en-eik").kvk == "05550123"


def test_yes_no_and_dates_are_not_converted():
    text = edit("short_name: Ziekenhuis Noord", "short_name: no")
    assert parse_portfolio(text, FILE).hospital("den-bosch-noord").short_name == "no"
    text = edit("seat: Zuidlaren", "seat: 2026-01-01")
    assert parse_portfolio(text, FILE).hospital("linde-en-eik").seat == "2026-01-01"


def test_short_kvk_names_file_line_and_path():
    text = edit('kvk: "05550123"', 'kvk: "1234567"')
    line = line_of(text, 'kvk: "1234567"')
    assert problems(text) == [
        f"hospitals.yaml:{line}: hospitals[0].kvk: '1234567' is not 8 digits"
    ]


def test_all_problems_are_reported_at_once():
    text = edit('kvk: "05550123"', 'kvk: "1234567"')
    text = text.replace("postcode: 5211 XX", "postcode: 521 XX")
    text = text.replace("email: fg@shn.example.nl", "email: fg-at-shn")
    found = problems(text)
    assert len(found) == 3
    assert "hospitals[0].kvk" in found[0]
    assert "hospitals[1].address.postcode: '521 XX' is not a Dutch postcode" in found[1]
    assert "hospitals[1].contacts.privacy_officer.email: 'fg-at-shn' is not an e-mail" in found[2]


def test_yaml_syntax_error():
    text = edit("  group: 1\n", "  group: [1\n")
    [problem] = problems(text)
    assert problem.startswith("hospitals.yaml:") and "YAML syntax error" in problem


def test_empty_file():
    assert problems("") == [
        "hospitals.yaml: the file is empty (start from `aifi-legal init` "
        "or the example hospitals.yaml)"
    ]
    assert problems("# only a comment\n") == problems("")


def test_unknown_key_with_did_you_mean():
    text = edit(
        "  legal_form: stichting\n  seat: Zuidlaren", "  legal_from: stichting\n  seat: Zuidlaren"
    )
    found = problems(text)
    line = line_of(text, "legal_from")
    assert (
        f"hospitals.yaml:{line}: hospitals[0].legal_from: unknown field 'legal_from' "
        "(did you mean 'legal_form'?)" in found
    )
    assert any("hospitals[0].legal_form: required field is missing" in p for p in found)


def test_missing_and_mistyped_fields():
    text = edit("  solutions:\n  - skeletleeftijd\n", "  solutions: skeletleeftijd\n")
    text = text.replace(
        "    pay_per_use_funded_months: 17", "    pay_per_use_funded_months: zeventien"
    )
    found = problems(text)
    assert any("hospitals[1].solutions: expected a list, got 'skeletleeftijd'" in p for p in found)
    assert any(
        "consortium.programme.pay_per_use_funded_months: expected a whole number, got "
        "'zeventien'" in p
        for p in found
    )


def test_invalid_date():
    text = edit('start_date: "2027-01-11"', 'start_date: "11-01-2027"')
    [problem] = problems(text)
    assert "groups[0].start_date: '11-01-2027' is not a date written as YYYY-MM-DD" in problem


def test_duplicate_hospital_id_and_unknown_solution():
    text = edit("id: den-bosch-noord", "id: linde-en-eik")
    text = text.replace("  - fractuurdetectie\n  signatories:", "  - botleeftijd\n  signatories:")
    found = problems(text)
    assert any(
        "hospitals[1].id: duplicate hospital id 'linde-en-eik' "
        "(hospitals[0] has the same hospital id)" in p
        for p in found
    )
    assert any(
        "hospitals[0].solutions[0]: solution 'botleeftijd' is not offered by the consortium" in p
        for p in found
    )


def test_object_constructing_tag_is_refused():
    text = edit(
        "short_name: Ziekenhuis Noord",
        "short_name: !!python/object/apply:os.system ['echo hacked']",
    )
    [problem] = problems(text)
    assert (
        "hospitals[1].short_name: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"
        " is not allowed" in problem
    )


def test_two_hospitals_with_one_kvk_number_or_one_legal_name_are_refused():
    text = edit('  kvk: "17009988"', '  kvk: "05550123"')
    text = text.replace(
        "legal_name: Stichting Ziekenhuis 's-Hertogenbosch Noord",
        'legal_name: Stichting Zorggroep Linde & Eik <Zuid> "De Boog"',
    )
    found = problems(text)
    assert any(
        "hospitals[1].kvk: duplicate KvK number '05550123' (hospitals[0] has the same "
        "KvK number)" in p
        for p in found
    ), found
    assert any(
        "hospitals[1].legal_name: duplicate legal name 'Stichting Zorggroep Linde & Eik "
        '<Zuid> "De Boog"\' (hospitals[0] has the same legal name)' in p
        for p in found
    ), found


def test_duplicate_key():
    text = edit("  group: 2\n  solutions:\n", "  group: 2\n  group: 1\n  solutions:\n")
    found = problems(text)
    assert any("hospitals[1].group: duplicate key 'group'" in p for p in found)


def test_joint_signatory_needs_a_second():
    text = edit(
        "  - name: Ingrid Sønnesyn\n    function: lid Raad van Bestuur\n"
        "    authority: jointly\n    place: Rosmalen\n",
        "",
    )
    found = problems(text)
    assert any(
        "hospitals[1]: drs. Bart van 't Veld is authorised jointly, so a second "
        "jointly authorised signatory is needed" in p
        for p in found
    )


def test_processor_references_and_sub_processor_fields():
    text = edit(
        "  group: 2\n  solutions:\n  - skeletleeftijd\n",
        "  group: 2\n  solutions:\n  - skeletleeftijd\n  processors: [noordlicht]\n",
    )
    text = text.replace("  breach_notification_hours: 49\n", "  breach_notification_hours: 96\n")
    found = problems(text)
    assert any(
        "hospitals[1].processors[0]: processor 'noordlicht' is not defined under processors" in p
        for p in found
    )
    assert any(
        "processors[0].breach_notification_hours: must be at most 72, got 96" in p for p in found
    )


# The sole signatory of the first hospital (Linde & Eik), who signs every kind.
CHLOE = (
    "  - name: Chloë d'Ancona-Brûlé\n    function: voorzitter Raad van Bestuur\n"
    "    authority: alone\n"
)


def test_every_kind_needs_a_signatory_with_authority():
    text = edit(
        CHLOE,
        CHLOE + "    signs: [intentieverklaring, deelnameovereenkomst, verwerkersovereenkomst]\n",
    )
    found = problems(text)
    assert any("hospitals[0].signatories: no signatory may sign the dpia" in p for p in found)
    text = edit(CHLOE, CHLOE + "    signs: [intentieverklaring, deelnameovereenkomst, dpa]\n")
    assert any(
        "hospitals[0].signatories[0].signs[2]: 'dpa' is not allowed" in p for p in problems(text)
    )


def test_document_kinds_in_the_model_match_the_kinds():
    from aifi_legal.documents import KINDS
    from aifi_legal.inputs.fields import DocumentKindName

    assert set(DocumentKindName.__args__) == set(KINDS)


def test_group_must_exist():
    text = edit("  group: 2\n  solutions:\n", "  group: 7\n  solutions:\n")
    assert any(
        "hospitals[1].group: group 7 is not defined under groups" in p for p in problems(text)
    )


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(DataError) as caught:
        load_portfolio(tmp_path / "nope.yaml")
    assert "file not found" in str(caught.value.problems[0])
    binary = tmp_path / "hospitals.yaml"
    binary.write_bytes(b"consortium:\n  legal_name: \xff\xfe\n")
    with pytest.raises(DataError) as caught:
        load_portfolio(binary)
    assert "hospitals.yaml:2: the file is not UTF-8 text" in str(caught.value.problems[0])


def test_schema_is_json_schema_of_the_file():
    import json

    schema = json.loads(json_schema())
    assert set(schema["required"]) == {
        "consortium",
        "groups",
        "solutions",
        "processors",
        "hospitals",
    }
    assert schema["additionalProperties"] is False
    assert "Hospital" in schema["$defs"]


# --- the terms of the agreements: validators of the new facts ----------------------------------


def test_funding_period_is_a_real_date_range():
    text = edit(
        '    funding_period:\n      start: "2026-02-01"\n      end: "2031-01-31"\n',
        '    funding_period:\n      start: "2026-02-01"\n      end: "2026-01-31"\n',
    )
    line = line_of(text, "funding_period:")
    assert any(
        p.startswith(
            f"hospitals.yaml:{line}: consortium.programme.funding_period: end "
            "2026-01-31 is not after start 2026-02-01"
        )
        for p in problems(text)
    )


VAT = '      vat:\n        treatment: inclusief\n        rate_percent: "9"\n'


def test_vat_treatment_needs_a_matching_rate():
    text = edit(VAT, "      vat:\n        treatment: inclusief\n")
    assert any(
        "consortium.programme.tariffs.vat: VAT inclusief needs rate_percent" in p
        for p in problems(text)
    )
    text = edit(VAT, '      vat:\n        treatment: vrijgesteld\n        rate_percent: "9"\n')
    assert any("tariffs.vat: a VAT-exempt tariff has no rate_percent" in p for p in problems(text))


def test_availability_and_priorities_are_bounded_and_ordered():
    text = edit('availability_percent: "98.7"', 'availability_percent: "85"')
    assert any(
        "processors[0].service_levels.availability_percent: must be at least 90, got 85" in p
        for p in problems(text)
    )
    text = edit(
        "response_minutes: 112\n      resolution_hours: 107\n",
        "response_minutes: 112\n      resolution_hours: 6\n",
    )
    assert any(
        "processors[0].service_levels: P3 has a shorter response or resolution time than P2" in p
        for p in problems(text)
    )


def test_processor_terms_must_fit_together():
    # subprocessor_breach_hours is 44 and at most 48: the processor's own term comes down to it.
    text = edit("  breach_notification_hours: 49\n", "  breach_notification_hours: 44\n")
    assert any(
        "processors[0]: terms.subprocessor_breach_hours must be shorter than "
        "breach_notification_hours" in p
        for p in problems(text)
    )
    text = edit('  insurance_cover: "4100000.00"\n', '  insurance_cover: "1000.00"\n')
    assert any(
        "processors[0]: insurance_cover is lower than the liability_cap" in p
        for p in problems(text)
    )
    # The funding period ends 2031-01-31; with a transition of 28 months: 2033-05-31.
    text = edit(
        '    date: "2026-08-20"\n    end: "2033-06-30"\n',
        '    date: "2026-08-20"\n    end: "2033-04-30"\n',
    )
    line = line_of(text, "- id: nordlicht")
    assert (
        f"hospitals.yaml:{line}: processors[0]: infrastructure_agreement.end is before the "
        "end of the funding period plus the transition period (2033-05-31)" in problems(text)
    )


def test_every_retention_row_is_present_and_the_key_table_outlives_the_logs():
    text = edit("    key_table_months: 89\n", "")
    assert any(
        "hospitals[0].retention.key_table_months: required field is missing" in p
        for p in problems(text)
    )
    text = edit(
        "    gateway_log_months: 92\n    key_table_months: 93\n",
        "    gateway_log_months: 92\n    key_table_months: 90\n",
    )
    assert any(
        "hospitals[1].retention: key_table_months is shorter than gateway_log_months" in p
        for p in problems(text)
    )
    text = edit("  log_retention_months: 48\n", "  log_retention_months: 90\n")
    assert any(
        "hospitals[0]: retention.key_table_months is shorter than the "
        "log_retention_months of processor 'nordlicht'" in p
        for p in problems(text)
    )


def test_volumes_follow_the_chosen_solutions():
    text = edit(
        "  - solution: fractuurdetectie\n    studies_per_year: 7300\n",
        "  - solution: skeletleeftijd\n    studies_per_year: 7300\n",
    )
    found = problems(text)
    assert any(
        "hospitals[0]: volumes[0]: 'skeletleeftijd' is not one of the hospital's solutions" in p
        for p in found
    )
    text = edit(
        "    studies_per_year: 410\n    children_per_year: 410\n",
        "    studies_per_year: 410\n    children_per_year: 411\n",
    )
    assert any(
        "hospitals[1].volumes[0]: children_per_year exceeds studies_per_year" in p
        for p in problems(text)
    )


def test_children_are_expected_only_for_a_solution_that_involves_them():
    text = edit(
        "  patients: volwassenen en kinderen vanaf twee jaar\n  involves_children: true",
        "  patients: volwassenen\n  involves_children: false",
    )
    assert any(
        "hospitals[0]: volumes[0].children_per_year: Fractuurdetectie is not used for "
        "children" in p
        for p in problems(text)
    )


def test_the_fg_advice_is_all_or_nothing():
    text = edit(
        "    advice_handling: >-\n      Het ziekenhuis volgt het advies: de informatie "
        "aan ouders staat vóór de ingebruikname op de\n      website.\n",
        "",
    )
    assert any(
        "hospitals[1].dpia: an advice (advice_date) needs advice_summary and advice_handling" in p
        for p in problems(text)
    )
    text = edit('    advice_date: "2026-11-25"\n', "")
    assert any(
        "hospitals[1].dpia: advice_summary, advice_handling and advice_deviations need "
        "the advice_date" in p
        for p in problems(text)
    )


def test_a_proxy_must_cover_the_estimated_value_of_the_participation():
    def proxy(limit: str) -> str:
        return edit(
            CHLOE,
            CHLOE.replace("authority: alone", "authority: proxy")
            + "    proxy_scope: volmacht van de raad van toezicht van 3 november 2026\n"
            + f'    proxy_limit: "{limit}"\n',
        )

    # 2.65 euro x 7300 studies x 22 paid months / 12, the tariffs including VAT.
    assert (
        parse_portfolio(proxy("35466.00"), FILE)
        .hospital("linde-en-eik")
        .signatories[0]
        .proxy_limit
        == 35466
    )
    [problem] = [p for p in problems(proxy("10000.00")) if "proxy_limit" in p]
    assert (
        "hospitals[0]: signatories[0].proxy_limit 10000.00 is below the estimated value of "
        "the participation agreement (35466 euro including VAT)" in problem
    )
    text = edit(CHLOE, CHLOE + '    proxy_limit: "5.00"\n')
    assert any(
        "hospitals[0].signatories[0]: proxy_limit is only for a signatory with authority: "
        "proxy" in p
        for p in problems(text)
    )


def test_dicom_tags_are_written_as_tags():
    text = edit(
        "- name: PatientSex\n      tag: (0010,0040)\n",
        "- name: PatientSex\n      tag: 0010,0040\n",
    )
    assert any(
        "pseudonymisation.kept[6].tag: '0010,0040' is not a DICOM tag" in p for p in problems(text)
    )


def test_contract_value_is_tariff_times_volume_over_the_paid_months():
    from decimal import Decimal

    from aifi_legal.inputs.programme import paid_months

    portfolio = load_portfolio(EXAMPLE).portfolio
    rijnstede = portfolio.hospital("rijnstede")
    programme = portfolio.consortium.programme
    # Group 2 starts 5 April 2027: go-live 5 January 2028, paid from 5 January 2029 until the
    # end of the funding period on 31 December 2030.
    months = paid_months(programme, portfolio.group(2).start_date)
    assert months == 23
    expected = Decimal("2.40") * 5000 * months / 12 * Decimal("1.21")
    assert portfolio.contract_value(rijnstede) == expected.quantize(Decimal("1"))


# --- the fixture: every term distinct ------------------------------------------------------------


def _terms(portfolio) -> dict[str, object]:
    """Every number with a unit in the data (durations, amounts, percentages), by field path;
    planning months, group numbers, volumes and tariffs are not terms."""
    from decimal import Decimal

    from pydantic import BaseModel

    skip = {"planning", "group", "number", "volumes", "tariff_per_study", "proxy_limit"}
    found: dict[str, object] = {}

    def walk(value, path):
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                if name not in skip:
                    walk(getattr(value, name), (*path, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            found[".".join(map(str, path))] = value

    walk(portfolio, ())
    return found


def test_fixture_terms_are_distinct_from_each_other_and_from_the_example():
    from conftest import TWO_HOSPITALS

    fixture = _terms(load_portfolio(TWO_HOSPITALS).portfolio)
    example = _terms(load_portfolio(EXAMPLE).portfolio)
    assert len(fixture) > 100
    seen: dict[object, str] = {}
    for path, value in fixture.items():
        assert value not in seen, f"{path} and {seen[value]} are both {value}"
        seen[value] = path
        # The same field in the example (the first processor or hospital of the same kind).
        same = example.get(path.replace("hospitals.1.", "hospitals.2."))
        assert value != same, f"{path} is {value}, as in the example data"


def test_percentages_with_a_cap_of_their_own_keep_it():
    """The indexation cap is at most 10 and the availability credit at most 50 percent."""
    for old, new, field in (
        (
            'indexation_cap_percent: "2.5"',
            'indexation_cap_percent: "11"',
            "indexation_cap_percent",
        ),
        ('credit_percent: "40"', 'credit_percent: "51"', "credit_percent"),
    ):
        text = edit(old, new)
        [problem] = problems(text)
        cap = "10" if field == "indexation_cap_percent" else "50"
        assert problem.startswith(f"hospitals.yaml:{line_of(text, new)}: "), problem
        given = new.split(": ")[1].strip('"')
        assert problem.endswith(f".{field}: must be at most {cap}, got {given}"), problem
