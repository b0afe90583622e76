"""What changed between two versions of one document, clause by clause, by words.

A clause is found by its bookmark in both documents, so a clause that moved to another article
number is the same clause; text outside the clauses (the title page, the signature page, headers
and footers) is compared under the heading it stands under. The text is the text as Word shows
it, so a document someone edited is compared as it reads now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..textdiff import Hunk, hunk_text, word_hunks
from ..word.reader import DocParagraph, DocxContent, normalise

INSERTED, DELETED, CHANGED = "inserted", "deleted", "changed"
UNCHANGED, ADDED, REMOVED = "unchanged", "added", "removed"
TITLE_PAGE = "titelpagina"
HEADERS_AND_FOOTERS = "kop- en voettekst"


@dataclass(frozen=True)
class ClauseChange:
    """One clause (or one passage outside the clauses) that differs between the versions."""

    clause: str | None  # the clause id; None for text outside the clauses
    article: str  # the heading it stands under, e.g. "Artikel 7 Beveiliging van de verwerking"
    change: str  # inserted, deleted or changed
    old_version: str | None
    new_version: str | None
    hunks: tuple[Hunk, ...]

    def record(self) -> dict[str, Any]:
        """The change as plain data (JSON)."""
        return {
            "clause": self.clause,
            "article": self.article,
            "change": self.change,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "words": [
                {
                    "at_word": h.word,
                    "before": h.lead,
                    "removed": h.removed,
                    "added": h.added,
                    "after": h.tail,
                }
                for h in self.hunks
            ],
        }

    def to_text(self) -> str:
        """Two or more lines: what changed where, then each difference by words."""
        what = self.clause or "tekst buiten de artikelen"
        versions = ""
        if self.old_version != self.new_version:
            versions = f" (versie {self.old_version or '-'} -> {self.new_version or '-'})"
        lines = [f"  {self.article}: {what} {self.change}{versions}"]
        lines += ["      " + hunk_text(hunk) for hunk in self.hunks]
        return "\n".join(lines)


def clause_changes(
    old: DocxContent,
    new: DocxContent,
    old_versions: dict[str, str] | None = None,
    new_versions: dict[str, str] | None = None,
) -> list[ClauseChange]:
    """Every clause and passage that differs, in the new document's order (deleted ones last)."""
    old_versions, new_versions = old_versions or {}, new_versions or {}
    old_texts, new_texts = _passages(old), _passages(new)
    old_articles, new_articles = _articles(old), _articles(new)
    changes = []
    for key, text in new_texts.items():
        clause = key[1] if key[0] == "clause" else None
        article = new_articles.get(key, key[1])
        versions = (old_versions.get(clause or ""), new_versions.get(clause or ""))
        if key not in old_texts:
            hunks = tuple(word_hunks("", text))
            changes.append(ClauseChange(clause, article, INSERTED, None, versions[1], hunks))
        elif old_texts[key] != text:
            hunks = tuple(word_hunks(old_texts[key], text))
            changes.append(ClauseChange(clause, article, CHANGED, *versions, hunks))
    for key, text in old_texts.items():
        if key not in new_texts:
            clause = key[1] if key[0] == "clause" else None
            hunks = tuple(word_hunks(text, ""))
            version = old_versions.get(clause or "")
            article = old_articles.get(key, key[1])
            changes.append(ClauseChange(clause, article, DELETED, version, None, hunks))
    return changes


def _key(paragraph: DocParagraph) -> tuple[str, str]:
    if paragraph.part != "body":
        return ("part", HEADERS_AND_FOOTERS)
    if paragraph.clause:
        return ("clause", paragraph.clause)
    return ("passage", paragraph.heading or TITLE_PAGE)


def _passages(content: DocxContent) -> dict[tuple[str, str], str]:
    """Text by clause (or by heading outside the clauses), in document order."""
    pieces: dict[tuple[str, str], list[str]] = {}
    for paragraph in _in_reading_order(content.paragraphs):
        pieces.setdefault(_key(paragraph), []).append(paragraph.text)
    return {key: normalise(" ".join(texts)) for key, texts in pieces.items()}


def _articles(content: DocxContent) -> dict[tuple[str, str], str]:
    """The heading each clause stands under (its article or chapter)."""
    found: dict[tuple[str, str], str] = {}
    for paragraph in content.paragraphs:
        key = _key(paragraph)
        if key[0] == "clause" and paragraph.heading:
            found.setdefault(key, paragraph.heading)
    return found


def _in_reading_order(paragraphs: Iterable[DocParagraph]) -> list[DocParagraph]:
    # The body first, then headers and footers: a footer's version line is one passage.
    return sorted(paragraphs, key=lambda p: p.part != "body")
