"""The wheel carries the licence and py.typed; a run says which tests it skipped for lack of a
program (issue 14)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import zipfile
from email.parser import Parser
from types import SimpleNamespace

import pytest
from conftest import ROOT, missing_program_lines, pytest_terminal_summary

TESTS = ROOT / "tests"
HATCHLING = importlib.util.find_spec("hatchling")


@pytest.mark.skipif(
    HATCHLING is None, reason="hatchling is not installed (pip install '.[test]' installs it)"
)
def test_the_wheel_carries_the_licence_and_py_typed(tmp_path):
    pip_wheel = ["pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [sys.executable, "-m", *pip_wheel, str(ROOT), "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("aifi_legal-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (dist_info,) = {name.split("/")[0] for name in names if ".dist-info/" in name}
        assert "aifi_legal/py.typed" in names
        assert f"{dist_info}/licenses/LICENSE" in names
        licence = archive.read(f"{dist_info}/licenses/LICENSE").decode()
        metadata = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    assert licence == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert metadata.get("License-Expression") == "EUPL-1.2" or metadata.get("License") == (
        "EUPL-1.2"
    )
    assert "LICENSE" in metadata.get_all("License-File", [])


def test_the_licence_is_the_whole_eupl_1_2():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2\n")
    headings = [
        "1.Definitions",
        "2.Scope of the rights granted by the Licence",
        "3.Communication of the Source Code",
        "4.Limitations on copyright",
        "5.Obligations of the Licensee",
        "6.Chain of Authorship",
        "7.Disclaimer of Warranty",
        "8.Disclaimer of Liability",
        "9.Additional agreements",
        "10.Acceptance of the Licence",
        "11.Information to the public",
        "12.Termination of the Licence",
        "13.Miscellaneous",
        "14.Jurisdiction",
        "15.Applicable Law",
    ]
    lines = text.splitlines()
    assert [line for line in lines if line in headings] == headings
    appendix = text[text.index("Appendix") :]
    assert "‘Compatible Licences’ according to Article 5 EUPL are:" in appendix
    assert "(LiLiQ-R+)" in appendix
    assert text.endswith("require the production of a new EUPL version.\n")


def skipped(reason):
    return SimpleNamespace(longrepr=(str(TESTS / "test_x.py"), 3, f"Skipped: {reason}"))


class FakeReporter:
    def __init__(self, stats):
        self.stats = stats
        self.lines = []

    def write_line(self, line, **markup):
        self.lines.append(line)


def test_the_summary_names_the_missing_programs_and_what_to_install():
    soffice = "LibreOffice is not installed (Debian package libreoffice-writer-nogui)"
    reporter = FakeReporter(
        {
            "skipped": [skipped(soffice)] * 37
            + [skipped("Chromium is not installed (Debian package chromium)")]
            + [skipped("node (a JavaScript engine) is missing")],
            "passed": [SimpleNamespace(longrepr=None)],
        }
    )
    pytest_terminal_summary(reporter)
    assert reporter.lines == [
        "aifi-legal: 37 tests skipped: LibreOffice (soffice) not found; install "
        "libreoffice-writer-nogui fonts-liberation2 to run them",
        "aifi-legal: 1 test skipped: Chromium not found; install chromium to run it",
    ]


def test_the_summary_says_nothing_when_no_program_was_missing():
    reporter = FakeReporter({"skipped": [skipped("node (a JavaScript engine) is missing")]})
    pytest_terminal_summary(reporter)
    assert reporter.lines == []
    assert missing_program_lines([]) == []


def run_pytest(folder):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_quiet_run_ends_with_the_line(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('suite', {str(TESTS / 'conftest.py')!r})\n"
        "suite = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(suite)\n"
        "pytest_terminal_summary = suite.pytest_terminal_summary\n"
    )
    (tmp_path / "test_programs.py").write_text(
        "import pytest\n"
        "needs_writer = pytest.mark.skipif(True, reason='LibreOffice is not installed')\n"
        "@needs_writer\n"
        "def test_writer_opens_it(): pass\n"
        "@needs_writer\n"
        "def test_writer_prints_it(): pass\n"
        "def test_chromium_prints_it():\n"
        "    pytest.skip('Chromium is not installed (Debian package chromium)')\n"
        "def test_without_programs(): pass\n"
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "aifi-legal: 2 tests skipped: LibreOffice (soffice) not found; install "
        "libreoffice-writer-nogui fonts-liberation2 to run them" in result.stdout.splitlines()
    )
    assert (
        "aifi-legal: 1 test skipped: Chromium not found; install chromium to run it"
        in result.stdout.splitlines()
    )

    (tmp_path / "test_programs.py").write_text(
        "import pytest\n"
        "@pytest.mark.skipif(True, reason='node (a JavaScript engine) is missing')\n"
        "def test_node(): pass\n"
        "def test_without_programs(): pass\n"
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "aifi-legal:" not in result.stdout


def skip_reasons(path):
    """The literal reasons of every skip and skipif in a test file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("skip", "skipif"):
            texts = [kw.value for kw in node.keywords if kw.arg == "reason"]
            if node.func.attr == "skip":
                texts += node.args[:1]
            for text in texts:
                if isinstance(text, ast.Constant) and isinstance(text.value, str):
                    yield text.value


def test_every_skip_for_libreoffice_or_chromium_is_counted():
    reasons = [
        reason
        for path in sorted(TESTS.glob("test_*.py"))
        for reason in skip_reasons(path)
        if any(word in reason for word in ("LibreOffice", "soffice", "Chromium", "chromium"))
    ]
    assert len(reasons) >= 8
    for reason in reasons:
        assert missing_program_lines([skipped(reason)]), reason
