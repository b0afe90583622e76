"""The example hospitals' documents: complete, consistent, and specific to each hospital."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from test_golden import document_text

LEFTOVERS = re.compile(
    r"\[invullen\]|\[●\]|\bXXX\b|\bTODO\b|lorem ipsum|\{\{|\{%|\bNone\b|"
    r"(?<!\.)\.\.\.(?!\.)|…|\[\s*\]",
    re.IGNORECASE,
)
MINIMUM_WORDS = {
    "intentieverklaring": 700,
    "deelnameovereenkomst": 2500,
    "verwerkersovereenkomst": 3500,
    "dpia": 5000,
}
# Documents that name exactly the chosen solutions' vendors and products.
STRICT_SOLUTIONS = {"deelnameovereenkomst", "verwerkersovereenkomst", "dpia"}


@pytest.fixture(scope="module")
def example_build(tmp_path_factory, example_project):
    return example_project.build(tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="module")
def texts(example_build):
    # The example hospitals each contract with one processor, so (hospital, kind) is unique.
    return {(d.hospital_id, d.kind): document_text(d.path) for d in example_build.documents}


def test_no_fill_in_markers_or_empty_fields(texts):
    for (hospital, kind), text in texts.items():
        assert not LEFTOVERS.search(text), (hospital, kind, LEFTOVERS.search(text).group(0))
        for line in text.splitlines():
            # "Label:" with nothing after it is an unfilled field (the signature date is a line).
            pattern = r"\b(Naam|Functie|Plaats|Bevoegdheid|E-mail):\s*(\||/|$)"
            assert not re.search(pattern, line), (hospital, kind, line)


def test_documents_are_long_enough(example_build):
    for document in example_build.documents:
        assert document.words >= MINIMUM_WORDS[document.kind], document


def test_hospital_facts_agree_across_its_documents(example_project, texts):
    for hospital in example_project.portfolio.hospitals:
        for kind in MINIMUM_WORDS:
            text = " ".join(texts[(hospital.id, kind)].split())
            for fact in (
                hospital.legal_name,
                hospital.kvk,
                hospital.address.one_line,
                *(s.name for s in hospital.signatories_for(kind)),
            ):
                assert fact in text, (hospital.id, kind, fact)
            others = [h for h in example_project.portfolio.hospitals if h.id != hospital.id]
            for other in others:
                assert other.legal_name not in text and other.kvk not in text


def test_only_the_chosen_solutions_appear(example_project, texts):
    solutions = {s.id: s for s in example_project.portfolio.solutions}
    for hospital in example_project.portfolio.hospitals:
        for kind in MINIMUM_WORDS:
            text = texts[(hospital.id, kind)]
            for solution_id, solution in solutions.items():
                present = solution.vendor.legal_name in text or solution.product in text
                if kind in STRICT_SOLUTIONS:
                    assert present == (solution_id in hospital.solutions), (
                        hospital.id,
                        kind,
                        solution_id,
                    )
                else:
                    assert not present or solution_id in hospital.solutions


def test_planning_dates_follow_the_group_start(texts):
    # Group 1 starts 11 January 2027: the legal pillar (months 1-3) ends on 10 April 2027.
    assert "10 april 2027" in texts[("st-jozef-dalwijk", "deelnameovereenkomst")]
    # Group 2 starts 5 April 2027: the legal pillar ends on 4 July 2027.
    assert "4 juli 2027" in texts[("rijnstede", "deelnameovereenkomst")]


# --- the DPIA ---------------------------------------------------------------------------------


def _dpia(texts, hospital_id):
    return " ".join(texts[(hospital_id, "dpia")].split())


def test_dpia_without_fg_advice_is_the_draft_for_advice(example_project, texts):
    hospital = example_project.portfolio.hospital("st-jozef-dalwijk")
    assert not hospital.dpia.advised
    text = _dpia(texts, hospital.id)
    # In the summary: after the table of contents, before chapter 2.
    assert "Status: concept ter advisering." in text.split("2 Inleiding")[1]
    assert "Aldus vastgesteld" not in text and "Het Ziekenhuis aanvaardt" not in text
    assert "wordt niet vastgesteld of ondertekend" in text


def test_dpia_with_fg_advice_is_the_version_for_adoption_with_the_advice_in_it(
    example_project, texts
):
    hospital = example_project.portfolio.hospital("t-zandgoed")
    advice = hospital.dpia
    text = _dpia(texts, hospital.id)
    assert "Status: ter vaststelling." in text and "Aldus vastgesteld en ondertekend" in text
    for part in (advice.advice_summary, advice.advice_handling):
        assert " ".join(part.split()) in text
    assert "het Ziekenhuis volgt het advies volledig" in text  # no advice_deviations in the data


def test_the_fg_owns_no_risk_and_no_measure(example_project, texts):
    for hospital in example_project.portfolio.hospitals:
        text = _dpia(texts, hospital.id)
        fg = hospital.contacts.privacy_officer.name
        assert f"Verantwoordelijk: {fg}" not in text and f"eigenaar {fg}" not in text, hospital.id
        assert not re.search(rf"\| {re.escape(fg)} \|", texts[(hospital.id, "dpia")]), hospital.id


def test_each_consultation_is_answered_with_the_decision_in_the_data(example_project, texts):
    for hospital in example_project.portfolio.hospitals:
        text = _dpia(texts, hospital.id)
        for consultation in hospital.consulted:
            response = " ".join(consultation.response.split())
            assert response in text, (hospital.id, consultation.body)
        assert "binnen drie maanden na de vaststelling" not in text


def test_a_bone_age_only_dpia_has_no_emergency_or_fracture_text(texts):
    text = _dpia(texts, "t-zandgoed")
    for word in (
        "SEH",
        "spoedeisende hulp",
        "fractu",
        "gips",
        "implantaten",
        "osteoporose",
        "gekozen AI-oplossingen",
        "Elke AI-oplossing",
        "de modellen",
    ):
        assert word not in text, word
    assert "de AI-oplossing skeletleeftijd" in text


def test_a_fracture_only_dpia_has_no_bone_age_text(texts):
    text = _dpia(texts, "maas-en-waal")
    for word in ("skeletleeftijd", "Greulich", "linkerhand", "kinderarts"):
        assert word not in text, word


def test_an_external_ict_provider_is_named_with_its_agreement_and_the_extra_hop(
    example_project, texts
):
    hospital = example_project.portfolio.hospital("rijnstede")
    provider = hospital.systems.gateway_provider
    text = _dpia(texts, hospital.id)
    assert provider.legal_name in text and provider.agreement in text
    assert "vóór de pseudonimisering" in text
    assert "Wordt die server" not in text and "binnen het netwerk en onder" not in text


def test_the_dpia_review_follows_the_go_live_of_the_group(example_project, texts):
    from aifi_legal.assembly.formatting import datum
    from aifi_legal.inputs.programme import _plus_months, go_live

    programme = example_project.portfolio.consortium.programme
    for hospital in example_project.portfolio.hospitals:
        start = example_project.portfolio.group(hospital.group).start_date
        live = go_live(programme, start)
        review = _plus_months(live, programme.dpia_review_months) - timedelta(days=1)
        text = _dpia(texts, hospital.id)
        assert (
            f"Datum Functioneel Gebruik van {datum(live)} is dat uiterlijk op {datum(review)}"
            in text
        ), hospital.id


def test_column_widths_fit_the_longest_word_and_fill_the_text_width():
    from aifi_legal.word.writer import CELL_MARGINS, CHAR_TWIPS, TEXT_WIDTH, column_widths

    rows = [
        ["Nr", "Risico", "Maatregelen"],
        ["R1", "Heridentificatie", "Pseudonimisering in de Lokale Gateway " * 6],
        ["R12", "Onbevoegde toegang", "Logging"],
    ]
    widths = column_widths(rows)
    assert sum(widths) == TEXT_WIDTH
    assert widths[0] >= len("R12") * CHAR_TWIPS + CELL_MARGINS
    assert widths[1] >= len("Heridentificatie") * CHAR_TWIPS + CELL_MARGINS
    assert widths[2] > widths[1] > widths[0]  # the long text gets the room
    # Words that cannot all fit shrink alike, and the widths still fill the line.
    squeezed = column_widths([["x" * 60, "y" * 60]])
    assert sum(squeezed) == TEXT_WIDTH
    assert abs(squeezed[0] - squeezed[1]) <= 1


def test_every_table_row_stays_on_one_page_and_columns_fill_the_line(example_build):
    import zipfile

    from lxml import etree

    from aifi_legal.word.writer import TEXT_WIDTH

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for document in example_build.documents:
        with zipfile.ZipFile(document.path) as archive:
            root = etree.fromstring(archive.read("word/document.xml"))
        for table in root.iter(f"{w}tbl"):
            grid = [int(c.get(f"{w}w")) for c in table.iter(f"{w}gridCol")]
            assert sum(grid) == TEXT_WIDTH, document.path
            rows = table.findall(f"{w}tr")
            assert all(r.find(f"{w}trPr/{w}cantSplit") is not None for r in rows), document.path


def test_the_long_documents_open_with_contents_that_link_every_article_and_annex(example_build):
    import zipfile

    from lxml import etree

    from aifi_legal.documents import KINDS
    from aifi_legal.word.conventions import bookmark_name, clause_of_bookmark, heading_bookmark
    from aifi_legal.word.reader import normalise, read_docx

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def style(paragraph):
        found = paragraph.find(f"{w}pPr/{w}pStyle")
        return None if found is None else found.get(f"{w}val")

    for document in example_build.documents:
        with zipfile.ZipFile(document.path) as archive:
            body = etree.fromstring(archive.read("word/document.xml")).find(f"{w}body")
        paragraphs = list(body.iter(f"{w}p"))
        entries = [p for p in paragraphs if style(p) == "toc1"]
        if not KINDS[document.kind].contents:
            assert entries == [] and read_docx(document.path).contents == [], document.path
            continue
        # Every numbered article or chapter and every annex, in order, and nothing else: as
        # Word shows them, with the number its numbering gives.
        headings = {
            bookmark_name(p.clause): normalise(p.text)
            for p in read_docx(document.path).body()
            if p.style in ("heading 1", "AIFI Bijlagekop")
            and re.match(r"(Artikel |Bijlage )?\d+ ", p.text)
        }
        assert len(headings) >= 10, document.path
        listed = {}
        for entry in entries:
            [link] = entry.findall(f"{w}hyperlink")
            anchor = link.get(f"{w}anchor")
            listed[anchor] = normalise("".join(t.text for t in link.iter(f"{w}t")))
            # The number is a cross-reference to the heading, the page a PAGEREF to the clause.
            number, page = [t.text.split() for t in link.iter(f"{w}instrText")]
            assert number == ["REF", heading_bookmark(clause_of_bookmark(anchor)), "\\r", "\\h"]
            assert page == ["PAGEREF", anchor, "\\h"]
            begins = [f for f in link.iter(f"{w}fldChar") if f.get(f"{w}fldCharType") == "begin"]
            assert begins[-1].get(f"{w}dirty") == "true"  # Word fills in the page on opening
        assert list(listed.items()) == list(headings.items()), document.path
        # The reader keeps the contents apart from the text; the first article gets a new page.
        assert read_docx(document.path).contents == ["Inhoud", *headings.values()]
        after = paragraphs[paragraphs.index(entries[-1]) + 1]
        assert after.find(f"{w}pPr/{w}pageBreakBefore") is not None
