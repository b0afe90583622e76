"""The JSON Schema of hospitals.yaml, as a YAML editor uses it (`aifi-legal schema`).

An editor checks the file against the schema while it is typed, so the schema must describe every
field, accept what the tool accepts (also where the editor reads a value differently from our
loader) and refuse what the tool refuses. Each case below is checked against both.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from typing import Annotated, Any

import pytest
import yaml
from conftest import EXAMPLE, SCENARIOS, TWO_HOSPITALS
from jsonschema import Draft202012Validator
from pydantic import Field, TypeAdapter, ValidationError

from aifi_legal.errors import DataError
from aifi_legal.inputs.portfolio import json_schema, load_portfolio, parse_portfolio
from aifi_legal.inputs.workspace import SCHEMA_FILE, SCHEMA_MODELINE, init_workspace

SCHEMA = json.loads(json_schema())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


class EditorLoader(yaml.SafeLoader):
    """YAML 1.1 as an editor reads it, except that a date stays the text typed.

    Unquoted, `kvk: 12345678` is an integer, `1.0` a float and `yes` true, as in an editor set to
    YAML 1.1, which turns more values into non-strings than the default 1.2. Dates are kept as
    text rather than converted back from date objects: an editor's JSON view has no date type and
    checks the text as typed, and a conversion would turn `2027-1-5`, which the tool refuses, into
    a valid "2027-01-05".
    """


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def editor_errors(text: str) -> list[tuple[str, str]]:
    """(path such as `hospitals/0/kvk`, message) of each error the schema finds."""
    data = yaml.load(text, Loader=EditorLoader)
    return [("/".join(map(str, e.absolute_path)), e.message) for e in VALIDATOR.iter_errors(data)]


def tool_problems(text: str) -> list[str]:
    """The paths, written as the schema's (`hospitals/0/kvk`), of each problem the tool finds."""
    try:
        parse_portfolio(text, TWO_HOSPITALS)
    except DataError as exc:
        return [re.sub(r"\[(\d+)\]", r"/\1", p.path).replace(".", "/") for p in exc.problems]
    return []


def edited(old: str, new: str) -> str:
    text = TWO_HOSPITALS.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} is not in {TWO_HOSPITALS.name}"
    return text.replace(old, new, 1)


# --- every field is described -------------------------------------------------------------------


# A rule between fields (`if`, `then`, `else`) restates fields its object describes.
RULES = ("if", "then", "else")


def _properties(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every property of every object schema below `node`, with its path ($defs included)."""
    found = []
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, prop in properties.items():
                found.append((f"{where}.{name}", prop))
                found += _properties(prop, f"{where}.{name}")
        for key, value in node.items():
            if key == "$defs":
                for name, definition in value.items():
                    found += _properties(definition, name)
            elif key not in ("properties", *RULES):
                found += _properties(value, where)
    elif isinstance(node, list):
        for item in node:
            found += _properties(item, where)
    return found


PROPERTIES = _properties(SCHEMA, "Portfolio")


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_property_in_the_schema_has_a_description():
    assert len(PROPERTIES) > 250  # the walk reaches the definitions
    missing = [path for path, prop in PROPERTIES if not prop.get("description", "").strip()]
    assert missing == []


def test_a_rule_between_fields_names_only_fields_of_its_record():
    unknown = [
        f"{name}.{key}.{field}"
        for name, definition in SCHEMA["$defs"].items()
        for key in RULES
        if key in definition
        for field in [*definition[key].get("properties", {}), *definition[key].get("required", [])]
        if field not in definition["properties"]
    ]
    assert len([d for d in SCHEMA["$defs"].values() if "if" in d]) >= 3
    assert unknown == []


UNITS = {
    "_days": "day",
    "_workdays": "Werkdag",
    "_weeks": "week",
    "_months": "month",
    "_years": "year",
    "_hours": "hour",
    "_minutes": "minute",
    "_percent": "percent",
}


def test_a_number_with_a_unit_says_the_unit():
    wrong = []
    for path, prop in PROPERTIES:
        description = prop.get("description", "").lower()
        suffix = next((s for s in UNITS if path.endswith(s)), None)
        if suffix and UNITS[suffix].lower() not in description:
            wrong.append(path)
        # Every amount (a decimal: a number or its text) that is not a percentage is in euro.
        options = [prop, *prop.get("anyOf", [])]
        is_decimal = any(option.get("type") == ["number", "string"] for option in options)
        if is_decimal and not suffix and "eur" not in description:
            wrong.append(path)
    assert wrong == []


# --- what the tool accepts, the schema accepts ---------------------------------------------------


@pytest.mark.parametrize(
    "path", [EXAMPLE, *sorted(SCENARIOS.glob("*/hospitals.yaml"))], ids=lambda p: p.parent.name
)
def test_the_shipped_data_files_are_valid_to_an_editor(path):
    assert editor_errors(path.read_text(encoding="utf-8")) == []


# Values written as an editor would leave them unquoted (or quote them), which the tool reads
# as the text typed. `editor` is what EditorLoader (YAML 1.1) makes of the new value.
ACCEPTED = [
    ("kvk unquoted (an int)", 'kvk: "90412376"', "kvk: 90412376"),
    ("kvk with a leading zero (an octal int)", 'kvk: "05550123"', "kvk: 05550123"),
    ("version unquoted (a float)", 'version: "1.0"', "version: 1.0"),
    ("date unquoted", 'start_date: "2027-01-11"', "start_date: 2027-01-11"),
    ("yes for true", "p1_continuous: true", "p1_continuous: yes"),
    ("quoted on for true", "p1_continuous: true", 'p1_continuous: "on"'),
    ("1 for true", "p1_continuous: true", "p1_continuous: 1"),
    ("a quoted whole number", "payment_days: 61", 'payment_days: "61"'),
    ("an amount unquoted (a float)", 'tariff_per_study: "2.65"', "tariff_per_study: 2.65"),
    ("text that is a number", "seat: Zuidlaren", "seat: 1234"),
    ("a phone number unquoted", "phone: +31 30 799 12 00", "phone: 0307991200"),
    ("no phone", "    phone: +31 30 799 12 00\n", "    phone:\n"),
    ("postcode without a space", "postcode: 9471 AA", "postcode: 9471aa"),
    ("a hospital id of digits", "- id: linde-en-eik", "- id: 2024"),
    ("several DICOM tags", "tag: (0018,5101)", "tag: (0018,5101) tot en met (0018,5102)"),
    ("VAT-exempt", 'treatment: inclusief\n        rate_percent: "9"', "treatment: vrijgesteld"),
    (
        "a proxy with its scope and limit",
        "authority: alone",
        "authority: proxy\n    proxy_scope: volmacht van 1 mei 2026\n    proxy_limit: 900000",
    ),
    (
        "the FG's advice",
        "  volumes:\n",
        "  dpia: {advice_date: 2027-01-05, advice_summary: positief, advice_handling: gevolgd}\n"
        "  volumes:\n",
    ),
]


@pytest.mark.parametrize(("what", "old", "new"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_what_the_tool_accepts_an_editor_accepts(what, old, new):
    text = edited(old, new)
    assert tool_problems(text) == [], what
    assert editor_errors(text) == []


# --- what the tool refuses, the schema refuses ---------------------------------------------------

MISTAKES = [
    ("short KvK", 'kvk: "05550123"', 'kvk: "0555012"'),
    ("KvK with a letter", 'kvk: "05550123"', 'kvk: "0555012A"'),
    ("KvK of 9 digits unquoted", 'kvk: "05550123"', "kvk: 105550123"),
    ("postcode with a leading zero", "postcode: 9471 AA", "postcode: 0471 AA"),
    ("postcode with one letter", "postcode: 9471 AA", "postcode: 9471 A"),
    ("unknown key", "  seat: Zuidlaren\n", "  seat: Zuidlaren\n  kvk_nummer: x\n"),
    ("missing required field", "  seat: Zuidlaren\n", ""),
    ("date not YYYY-MM-DD", 'start_date: "2027-01-11"', "start_date: 2027-1-11"),
    ("month 13", 'start_date: "2027-01-11"', 'start_date: "2027-13-11"'),
    ("30 February", 'start_date: "2027-01-11"', 'start_date: "2027-02-30"'),
    ("slug with a capital", "- id: linde-en-eik", "- id: Linde-en-eik"),
    ("slug with a double hyphen", "- id: linde-en-eik", "- id: linde--eik"),
    ("slug of 41 characters", "- id: linde-en-eik", "- id: " + "a" * 41),
    ("reserved hospital id", "- id: linde-en-eik", "- id: model"),
    ("e-mail without @", "email: p.ritsema@linde-eik.example.nl", "email: p.ritsema.example.nl"),
    ("DICOM tag without brackets", "tag: (0018,5101)", "tag: 0018,5101"),
    ("version without a dot", 'version: "1.0"', 'version: "1"'),
    ("legal form not on the list", "legal_form: bv", "legal_form: gmbh"),
    ("a term below its minimum", "payment_days: 61", "payment_days: 5"),
    ("a term as words", "payment_days: 61", "payment_days: zestig"),
    ("a whole number with decimals", "payment_days: 61", "payment_days: 61.5"),
    ("an amount with three decimals", 'tariff_per_study: "2.65"', 'tariff_per_study: "2.655"'),
    ("a negative amount", 'tariff_per_study: "2.65"', 'tariff_per_study: "-2.65"'),
    ("maybe for a yes or no", "p1_continuous: true", "p1_continuous: misschien"),
    ("2 for a yes or no", "p1_continuous: true", "p1_continuous: 2"),
    ("empty text", "seat: Zuidlaren", 'seat: " "'),
    ("no text", "seat: Zuidlaren", "seat:"),
    ("a control character", "seat: Zuidlaren", 'seat: "Zuid\\u0007laren"'),
    (
        "a solution chosen twice",
        "  - fractuurdetectie\n",
        "  - fractuurdetectie\n  - fractuurdetectie\n",
    ),
    ("a list for a text", "seat: Zuidlaren", "seat: [Zuidlaren]"),
    ("a proxy without its scope", "authority: alone", "authority: proxy"),
    ("a proxy limit without a proxy", "authority: alone", "authority: alone\n    proxy_limit: 5"),
    ("VAT-exempt with a rate", "treatment: inclusief", "treatment: vrijgesteld"),
    ("VAT without a rate", '        rate_percent: "9"\n', ""),
    ("advice without its date", "  volumes:\n", "  dpia: {advice_summary: x}\n  volumes:\n"),
    (
        "advice without its summary",
        "  volumes:\n",
        '  dpia: {advice_date: "2027-01-05"}\n  volumes:\n',
    ),
]


@pytest.mark.parametrize(("what", "old", "new"), MISTAKES, ids=[c[0] for c in MISTAKES])
def test_what_the_tool_refuses_an_editor_refuses(what, old, new):
    text = edited(old, new)
    refused = tool_problems(text)
    errors = editor_errors(text)
    assert refused, f"the tool accepts {what}"
    assert errors, f"the schema accepts {what}"
    # Both point at the same place: the value, or the record that holds it (a missing or unknown
    # key, a rule between fields).
    for path, message in errors:
        same = [
            p for p in refused if f"{p}/".startswith(f"{path}/") or f"{path}/".startswith(f"{p}/")
        ]
        assert same, (path, message, refused)


# --- the text forms of numbers are pydantic's ---------------------------------------------------

_DEFS = SCHEMA["$defs"]
INT = _DEFS["Tariffs"]["properties"]["payment_days"]
BOOL = _DEFS["ServiceLevels"]["properties"]["p1_continuous"]
AMOUNT = _DEFS["Solution"]["properties"]["tariff_per_study"]

INT_TEXTS = ["12", " 12 ", "+12", "-12", "012", "1_000", "12.0", "12.00", "12.", "1__0", "_1"]
INT_TEXTS += ["12.5", "1e2", "0x10", "", " ", "+", "twelve", "1 2"]
BOOL_TEXTS = ["true", "True", "TRUE", "tRuE", "false", "yes", "No", "ON", "off", "y", "N", "t"]
BOOL_TEXTS += ["F", "1", "0", "2", "", " true", "ja", "nee", "truee", "01"]
AMOUNT_TEXTS = ["12", "12.5", "12.50", "12.500", "12.505", ".5", "5.", "+5", " 12 ", "1_000"]
AMOUNT_TEXTS += ["0", "-5", "", ".", "+", "1.2.3", "12,50", "NaN", "Infinity", "EUR 5"]


@pytest.mark.parametrize(
    ("schema", "adapter", "texts"),
    [
        (INT, TypeAdapter(int), INT_TEXTS),
        (BOOL, TypeAdapter(bool), BOOL_TEXTS),
        (AMOUNT, TypeAdapter(Annotated[Decimal, Field(ge=0, decimal_places=2)]), AMOUNT_TEXTS),
    ],
    ids=["int", "bool", "amount"],
)
def test_a_number_as_text_is_accepted_exactly_when_pydantic_accepts_it(schema, adapter, texts):
    def pydantic_accepts(text: str) -> bool:
        try:
            adapter.validate_python(text)
        except ValidationError:
            return False
        return True

    # JSON Schema matches a pattern anywhere in the string (re.search), like an editor does.
    differ = [t for t in texts if pydantic_accepts(t) != bool(re.search(schema["pattern"], t))]
    assert differ == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node (a JavaScript engine) is missing")
def test_the_patterns_work_the_same_in_javascript_as_in_an_editor():
    # yaml-language-server runs in JavaScript and compiles a pattern with the `u` flag.
    samples = {text for case in ACCEPTED + MISTAKES for text in case[1:]}
    samples |= {*INT_TEXTS, *BOOL_TEXTS, *AMOUNT_TEXTS, "3511 AB", "a@b.nl", "\u0007", "é"}
    patterns = sorted({prop["pattern"] for _, prop in PROPERTIES if "pattern" in prop})
    patterns += sorted(
        {p["pattern"] for _, prop in PROPERTIES for p in prop.get("anyOf", []) if "pattern" in p}
    )
    cases = [(pattern, sample) for pattern in patterns for sample in sorted(samples)]
    script = (
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(cases.map(([p, s]) => new RegExp(p, 'u').test(s))));"
    )
    result = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    in_javascript = json.loads(result.stdout)
    in_python = [bool(re.search(pattern, sample)) for pattern, sample in cases]
    assert len(patterns) >= 8
    assert [c for c, js, py in zip(cases, in_javascript, in_python, strict=True) if js != py] == []


# --- init writes the schema and points the data file at it ---------------------------------------


def test_init_writes_the_schema_and_the_data_file_names_it(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    schema = tmp_path / "ws" / SCHEMA_FILE
    assert schema.read_text(encoding="utf-8") == json_schema()
    data = workspace.data.read_bytes()
    assert data.split(b"\n")[0] == b"# yaml-language-server: $schema=hospitals.schema.json"
    # Otherwise the copy is the shipped file, byte for byte, and the tool reads it as before.
    assert data == SCHEMA_MODELINE.encode() + EXAMPLE.read_bytes()
    assert load_portfolio(workspace.data).portfolio == load_portfolio(EXAMPLE).portfolio
    # The schema the editor finds there accepts the data file beside it.
    validator = Draft202012Validator(json.loads(schema.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(yaml.load(data, Loader=EditorLoader))) == []


def test_init_with_force_keeps_an_existing_data_file_and_schema(tmp_path):
    target = tmp_path / "ws"
    target.mkdir()
    (target / "hospitals.yaml").write_text("# my own\n", encoding="utf-8")
    init_workspace(target, force=True)
    assert (target / "hospitals.yaml").read_text(encoding="utf-8") == "# my own\n"
    assert (target / SCHEMA_FILE).read_text(encoding="utf-8") == json_schema()
    (target / SCHEMA_FILE).write_text("{}", encoding="utf-8")
    init_workspace(target, force=True)
    assert (target / SCHEMA_FILE).read_text(encoding="utf-8") == "{}"
