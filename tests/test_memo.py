"""Clause renderings that do not depend on the hospital are rendered once, and never wrongly.

assembly.memo keeps a rendering under the values its template reads; these tests try what a
rendering can observe of its context (nested values, list items, methods, missing names,
types, term fields, locals, numbering) and prove that a change in any of them renders again,
and that whole documents come out as they do without the memo.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import ROOT, TWO_HOSPITALS

from aifi_legal import load_project
from aifi_legal.assembly import assemble as assemble_module
from aifi_legal.assembly import context as context_module
from aifi_legal.assembly import memo
from aifi_legal.assembly.jinja import ENV
from aifi_legal.assembly.terms import TermInt


def rendering(source: str):
    """A function that renders `source` through the memo and counts real renderings."""
    template = ENV.from_string(source)
    calls = []

    def render(context, **callables):
        def now():
            calls.append(1)
            return template.render(context)

        prints = memo.Fingerprints(context, callables)
        return memo.render_once(("test", source), source, prints, now)

    return render, calls


@pytest.fixture(autouse=True)
def fresh_memo():
    memo.clear()
    yield
    memo.clear()


def test_the_same_values_render_once_and_a_hospital_value_renders_again():
    render, calls = rendering("{{ aifi.name }} en {{ ziekenhuis.name }}")
    first = {"aifi": {"name": "AIFI", "kvk": "1"}, "ziekenhuis": {"name": "Linde", "x": 1}}
    # Values the template does not read may differ: still one rendering.
    second = {"aifi": {"name": "AIFI", "kvk": "2"}, "ziekenhuis": {"name": "Linde", "x": 2}}
    assert render(first) == render(second) == "AIFI en Linde"
    assert len(calls) == 1
    assert render({**first, "ziekenhuis": {"name": "Eik"}}) == "AIFI en Eik"
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("source", "one", "other"),
    [
        # a value deep below a name
        ("{{ a.b.c }}", {"a": {"b": {"c": "x"}}}, {"a": {"b": {"c": "y"}}}),
        # one item of a list a loop reads
        (
            "{% for o in a %}{{ o.n }};{% endfor %}",
            {"a": [{"n": 1}, {"n": 2}]},
            {"a": [{"n": 1}, {"n": 3}]},
        ),
        # the order of a table's keys
        ("{% for k in a %}{{ k }}{% endfor %}", {"a": {"x": 1, "y": 2}}, {"a": {"y": 2, "x": 1}}),
        # a method: the whole value
        ("{{ a.items() | list }}", {"a": {"x": 1}}, {"a": {"x": 2}}),
        ("{{ a.b.upper() }}", {"a": {"b": "x"}}, {"a": {"b": "y"}}),
        # a name that is missing, then there
        ("{{ a.b is defined }}", {"a": {}}, {"a": {"b": None}}),
        ("{{ a is defined }}", {}, {"a": 1}),
        # the type, not only the value
        ("{{ a is string }}", {"a": 1}, {"a": "1"}),
        ("{{ a is sameas true }}", {"a": 1}, {"a": True}),
        ("{{ a }}", {"a": Decimal("1.0")}, {"a": Decimal("1.00")}),
        ("{{ a }}", {"a": 0.0}, {"a": -0.0}),
        # the field a term came from
        ("{{ a }}", {"a": TermInt(24, "x.uren")}, {"a": TermInt(24, "y.uren")}),
        # a local name made from a context value
        ("{% set z = a %}{{ z.b }}", {"a": {"b": 1}}, {"a": {"b": 2}}),
        # a subscript the template computes
        ("{{ a[k] }}", {"a": {"x": 1, "y": 2}, "k": "x"}, {"a": {"x": 1, "y": 2}, "k": "y"}),
        # a filter handed the whole value
        ("{{ a | map(attribute='n') | join }}", {"a": [{"n": 1}]}, {"a": [{"n": 2}]}),
    ],
)
def test_whatever_the_rendering_observes_renders_again_when_it_changes(source, one, other):
    render, calls = rendering(source)
    assert render(one) != render(other)
    assert len(calls) == 2
    render(one)
    assert len(calls) == 2  # and each is then reused


def test_a_term_keeps_its_field_in_the_reused_text():
    render, _ = rendering("{{ a }}")
    assert render({"a": TermInt(24, "x.uren")}) != render({"a": 24})


def test_a_callable_counts_by_what_it_returns():
    render, calls = rendering("zie {{ ref('x') }}")
    context = {"ref": lambda target: "artikel 3"}
    assert render(context, ref=("x", "3")) == "zie artikel 3"
    render(context, ref=("x", "3"))
    assert len(calls) == 1
    render({"ref": lambda target: "artikel 4"}, ref=("x", "4"))
    assert len(calls) == 2


def test_what_cannot_be_fingerprinted_is_rendered_every_time():
    render, calls = rendering("{{ a }}")

    class Thing:
        def __str__(self):
            return "iets"

    render({"a": Thing()})
    render({"a": Thing()})
    assert len(calls) == 2
    render, calls = rendering("{{ lipsum(1) }}")  # a global that is no function of the data
    render({})
    render({})
    assert len(calls) == 2


def test_a_failing_rendering_fails_every_time():
    render, calls = rendering("{{ a.b }}")
    for _ in range(2):
        with pytest.raises(Exception, match="b"):
            render({"a": {}})
    assert len(calls) == 2


@pytest.mark.parametrize(("limit", "value"), [("MAX_RENDERINGS", 3), ("MAX_NUMBERED_BYTES", 200)])
def test_a_full_memo_starts_again(monkeypatch, limit, value):
    monkeypatch.setattr(memo, limit, value)
    render, _ = rendering("{{ a.b }} {{ a | length }}")
    texts = [render({"a": {"b": n, "c": list(range(n))}}) for n in range(10)]
    assert texts == [f"{n} 2" for n in range(10)]
    assert [render({"a": {"b": n, "c": list(range(n))}}) for n in range(10)] == texts
    assert memo._numbered_bytes[0] < 200 + 400 and len(memo._RENDERED) <= 10


def _assembled(project, refs):
    documents = {ref.id: project.source.assemble(ref) for ref in refs}
    for document in documents.values():  # the words the build records, counted per clause
        assert document.word_count() == len(document.text().split())
    return {key: (d.clauses, d.excluded) for key, d in documents.items()}


@pytest.mark.parametrize("data", [ROOT / "hospitals.yaml", TWO_HOSPITALS])
def test_documents_are_what_they_are_without_the_memo(data, monkeypatch):
    project = load_project(data, ROOT / "clauses", ROOT / "templates")
    refs = [r for h in [None, *project.portfolio.hospitals] for r in project.documents_of(h)]
    with_memo = _assembled(project, refs)
    again = _assembled(project, list(reversed(refs)))  # nothing carries over between them

    def without(template_id, source, prints, render):
        return render()

    monkeypatch.setattr(assemble_module, "render_once", without)
    monkeypatch.setattr(context_module, "render_once", without)
    plain = _assembled(project, refs)
    assert with_memo == plain == again
    # The references a clause makes come back with its reused text.
    assert any(r.references for clauses, _ in plain.values() for r in clauses)


def test_a_clause_that_reads_no_hospital_value_is_rendered_once_for_all_hospitals(monkeypatch):
    project = load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates")
    hospitals = project.portfolio.hospitals
    assert len(hospitals) >= 2
    counted: dict[str, int] = {}
    real = assemble_module.render

    def render(template, context):
        counted[template.name] = counted.get(template.name, 0) + 1
        return real(template, context)

    monkeypatch.setattr(assemble_module, "render", render)
    kind = "deelnameovereenkomst"
    for hospital in hospitals:
        project.source.assemble(project.documents_of(hospital, [kind])[0])
    # Clauses that read only the consortium and the kind's names (no ref(): numbers may vary).
    consortium_only = [
        c.id
        for c in project.library.for_kind(kind)
        if not c.head.defines
        and (chains := memo.chains_of(c.body)) is not None
        and {chain[0] for chain in chains} <= {"aifi", "namen", "alle_oplossingen"}
        and c.id in counted
    ]
    assert consortium_only
    assert all(counted[cid] == 1 for cid in consortium_only), counted
    # A clause that names the hospital: once for each.
    on_hospital = [
        c.id
        for c in project.library.for_kind(kind)
        if not c.head.defines and "{{ ziekenhuis.legal_name" in c.body and c.id in counted
    ]
    assert on_hospital
    assert all(counted[cid] == len(hospitals) for cid in on_hospital), counted
