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
