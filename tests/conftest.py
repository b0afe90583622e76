from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
TWO_HOSPITALS = SCENARIOS / "two-hospitals" / "hospitals.yaml"
EXAMPLE = ROOT / "hospitals.yaml"
# LibreOffice, for the tests that convert or open documents (skipped where it is missing).
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/*.txt from the current clause library",
    )


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def fixture_project():
    from aifi_legal import load_project

    return load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates")


@pytest.fixture(scope="session")
def example_project():
    from aifi_legal import load_project

    return load_project(EXAMPLE, ROOT / "clauses", ROOT / "templates")


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory, fixture_project):
    """Every document of the two fixture hospitals, built once per test session."""
    out = tmp_path_factory.mktemp("out")
    return fixture_project.build(out)


# The tests that need a program the machine may lack skip with a reason that names it (see
# SOFFICE above, and CHROMIUM in test_report.py); the run ends by saying how many were skipped and
# what to install, also under -q.
MISSING_PROGRAMS = (
    (
        "LibreOffice is not installed",
        "LibreOffice (soffice) not found; install libreoffice-writer-nogui fonts-liberation2",
    ),
    ("Chromium is not installed", "Chromium not found; install chromium"),
)


def skip_reason(report) -> str:
    """The reason a skipped test or module gave."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[-1])
    return str(longrepr)


def missing_program_lines(skipped) -> list[str]:
    """One line per missing program that made tests skip: how many, and what to install."""
    lines = []
    for reason, advice in MISSING_PROGRAMS:
        count = sum(1 for report in skipped if reason in skip_reason(report))
        if count:
            tests, them = ("test", "it") if count == 1 else ("tests", "them")
            lines.append(f"aifi-legal: {count} {tests} skipped: {advice} to run {them}")
    return lines


def pytest_terminal_summary(terminalreporter):
    for line in missing_program_lines(terminalreporter.stats.get("skipped", [])):
        terminalreporter.write_line(line, yellow=True, bold=True)
