"""hospitals.yaml: the example loads, and every kind of bad input gets a located, clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE

from aifi_legal.errors import DataError
from aifi_legal.inputs.portfolio import json_schema, load_portfolio, parse_portfolio

BASE = EXAMPLE.read_text("utf-8")
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
    assert {("fractuurdetectie",), ("skeletleeftijd",),
            ("fractuurdetectie", "skeletleeftijd")} <= choices
    assert any(h.represented_jointly for h in portfolio.hospitals)
    names = " ".join(h.legal_name + h.seat for h in portfolio.hospitals)
    assert "&" in names and "'s-Hertogenbosch" in names and "è" in names


def test_kvk_with_leading_zero_stays_text_even_unquoted():
    text = edit('kvk: "09145532"', "kvk: 09145532")
    portfolio = parse_portfolio(text, FILE)
    assert portfolio.hospital("maas-en-waal").kvk == "09145532"


def test_yes_no_and_dates_are_not_converted():
    text = edit("short_name: Wadden Zorggroep", "short_name: no")
    assert parse_portfolio(text, FILE).hospital("wadden-zorggroep").short_name == "no"
    text = edit("seat: Leiden", "seat: 2026-01-01")
    assert parse_portfolio(text, FILE).hospital("rijnstede").seat == "2026-01-01"


def test_short_kvk_names_file_line_and_path():
    text = edit('kvk: "41087326"', 'kvk: "1234567"')
    line = line_of(text, 'kvk: "1234567"')
    assert problems(text) == [
        f"hospitals.yaml:{line}: hospitals[0].kvk: '1234567' is not 8 digits"]


def test_all_problems_are_reported_at_once():
    text = edit('kvk: "41087326"', 'kvk: "1234567"')
    text = text.replace("postcode: 6651 LW", "postcode: 665 LW")
    text = text.replace("email: fg@zandgoed.example.nl", "email: fg-at-zandgoed")
    found = problems(text)
    assert len(found) == 3
    assert "hospitals[0].kvk" in found[0]
    assert "hospitals[1].address.postcode: '665 LW' is not a Dutch postcode" in found[1]
    assert "hospitals[2].contacts.privacy_officer.email: 'fg-at-zandgoed' is not an e-mail" \
        in found[2]


def test_yaml_syntax_error():
    text = edit("    group: 1\n", "    group: [1\n")
    [problem] = problems(text)
    assert problem.startswith("hospitals.yaml:") and "YAML syntax error" in problem


def test_empty_file():
    assert problems("") == ["hospitals.yaml: the file is empty (start from `aifi-legal init` "
                            "or the example hospitals.yaml)"]
    assert problems("# only a comment\n") == problems("")


def test_unknown_key_with_did_you_mean():
    text = edit("    legal_form: bv\n    seat: Leiden", "    legal_from: bv\n    seat: Leiden")
    found = problems(text)
    line = line_of(text, "legal_from")
    assert f"hospitals.yaml:{line}: hospitals[4].legal_from: unknown field 'legal_from' " \
        "(did you mean 'legal_form'?)" in found
    assert any("hospitals[4].legal_form: required field is missing" in p for p in found)


def test_missing_and_mistyped_fields():
    text = edit("    solutions: [fractuurdetectie]\n", "    solutions: fractuurdetectie\n")
    text = text.replace("      funding_years: 5", "      funding_years: vijf") \
        if "      funding_years: 5" in text else text.replace("    funding_years: 5",
                                                              "    funding_years: vijf")
    found = problems(text)
    assert any("hospitals[1].solutions: expected a list, got 'fractuurdetectie'" in p
               for p in found)
    assert any("consortium.programme.funding_years: expected a whole number, got 'vijf'" in p
               for p in found)


def test_invalid_date():
    text = edit('start_date: "2027-01-11"', 'start_date: "11-01-2027"')
    [problem] = problems(text)
    assert "groups[0].start_date: '11-01-2027' is not a date written as YYYY-MM-DD" in problem


def test_duplicate_hospital_id_and_unknown_solution():
    text = edit("id: maas-en-waal", "id: st-jozef-dalwijk")
    marieke = "\n    signatories:\n      - name: drs. Marieke"
    text = text.replace("solutions: [skeletleeftijd]" + marieke,
                        "solutions: [botleeftijd]" + marieke)
    found = problems(text)
    assert any("hospitals[1].id: duplicate hospital id 'st-jozef-dalwijk' "
               "(hospitals[0] has the same hospital id)" in p for p in found)
    assert any("hospitals[2].solutions[0]: solution 'botleeftijd' is not offered by the "
               "consortium" in p for p in found)


def test_object_constructing_tag_is_refused():
    text = edit("short_name: Rijnstede Kliniek",
                "short_name: !!python/object/apply:os.system ['echo hacked']")
    [problem] = problems(text)
    assert "hospitals[4].short_name: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'" \
        " is not allowed" in problem


def test_duplicate_key():
    text = edit("    group: 2\n    solutions: [fractuurdetectie]\n",
                "    group: 2\n    group: 1\n    solutions: [fractuurdetectie]\n")
    found = problems(text)
    assert any("hospitals[4].group: duplicate key 'group'" in p for p in found)


def test_joint_signatory_needs_a_second():
    text = edit("      - name: ir. Gerrit-Jan Oosterhuis\n        function: lid Raad van Bestuur\n"
                "        authority: jointly\n", "")
    found = problems(text)
    assert any("hospitals[2]: drs. Marieke van 't Hof is authorised jointly, so a second "
               "jointly authorised signatory is needed" in p for p in found)


def test_processor_references_and_sub_processor_fields():
    text = edit("    group: 2\n    solutions: [fractuurdetectie]\n",
                "    group: 2\n    solutions: [fractuurdetectie]\n    processors: [noordlicht]\n")
    text = text.replace("    breach_notification_hours: 24\n",
                        "    breach_notification_hours: 96\n")
    found = problems(text)
    assert any("hospitals[4].processors[0]: processor 'noordlicht' is not defined under "
               "processors" in p for p in found)
    assert any("processors[0].breach_notification_hours: must be at most 72, got 96" in p
               for p in found)


def test_every_kind_needs_a_signatory_with_authority():
    text = edit("        signs: [dpia]\n", "        signs: [intentieverklaring]\n")
    found = problems(text)
    assert any("hospitals[4].signatories: no signatory may sign the dpia" in p for p in found)
    text = edit("        signs: [intentieverklaring, deelnameovereenkomst, "
                "verwerkersovereenkomst]\n",
                "        signs: [intentieverklaring, deelnameovereenkomst, dpa]\n")
    assert any("hospitals[4].signatories[0].signs[2]: 'dpa' is not allowed" in p
               for p in problems(text))


def test_document_kinds_in_the_model_match_the_kinds():
    from aifi_legal.documents import KINDS
    from aifi_legal.inputs.models import DocumentKindName
    assert set(DocumentKindName.__args__) == set(KINDS)


def test_group_must_exist():
    text = edit("    group: 2\n    solutions: [fractuurdetectie]\n",
                "    group: 7\n    solutions: [fractuurdetectie]\n")
    assert any("hospitals[4].group: group 7 is not defined under groups" in p
               for p in problems(text))


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
    assert set(schema["required"]) == {"consortium", "groups", "solutions", "processors",
                                       "hospitals"}
    assert schema["additionalProperties"] is False
    assert "Hospital" in schema["$defs"]
