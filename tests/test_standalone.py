"""The repository stands alone: no file refers to a document or a folder outside it.

The model, the contracts and the study's figures are stated in docs/; a reference to a
design note, a research summary or a data folder that only the authors' machines had would
leave a reader of a fresh clone with nothing to follow. The one exception is the opt-in
way for the tests to read measured traces that may not be redistributed
(SCOUTSIM_SHARED_TRACES, defined in tests/traces/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built from parts so that this file does not match itself.
OUTSIDE = re.compile("|".join([r"DESIGN" + r"\.md", r"RESEARCH" + r"\.md", r"ANCHORS" + r"\.md",
                               r"\.\./" + "shared", "/work/" + "shared",
                               r"parent\s*/\s*['\"]" + "shared" + "['\"]"]))
SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".hypothesis", "build", "dist", "results", ".venv",
             ".mypy_cache", ".ruff_cache"}
ALLOWED = {Path("tests/traces/conftest.py")}  # the opt-in measured-traces location


def repository_text_files():
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts) or not path.is_file():
            continue
        if rel.parts[:2] == ("traces", "real"):
            continue  # git-ignored imports of the user's own data
        try:
            yield rel, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # parquet, images: no references to follow


def test_no_file_refers_to_a_document_outside_the_repository():
    found = []
    for rel, text in repository_text_files():
        if rel in ALLOWED:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{rel}:{number}: {line.strip()[:120]}")
    assert not found, "references to documents outside the repository:\n" + "\n".join(found)


def test_the_pattern_catches_each_kind_of_outside_reference():
    # The check above passes vacuously if the pattern matches nothing; each form seen before
    # the cleanup must be caught, and a reference into docs/ must not be.
    for line in ["(DESIGN" + ".md, \"Modes\")", "RESEARCH" + ".md s4", "ANCHORS" + ".md asks",
                 "--dataset ../" + "shared/data/x.json", '"/work/' + 'shared/traces/a"',
                 'ROOT.parent / "' + 'shared" / "data"']:
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search("the study's mode table (docs/study.md, n = 50)")



DOCS = ROOT / "docs"
SECTIONS = ["## Description", "## Scope and limitations", "## Validation", "## References"]
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


def test_every_model_page_has_the_four_sections_in_order():
    pages = sorted((DOCS / "models").glob("*.md"))
    assert len(pages) >= 9  # payload, compute, uplink, virtual_time, topology, channels, estimators, ...
    for page in pages:
        headings = [line.strip() for line in page.read_text().splitlines() if line.startswith("## ")]
        assert headings == SECTIONS, f"{page.relative_to(ROOT)}: {headings}"


def test_the_index_lists_every_page_and_every_link_is_a_page_of_the_index():
    index = (DOCS / "README.md").read_text()
    listed = {(DOCS / target).resolve() for target in LINK.findall(index)}
    on_disk = {p.resolve() for p in DOCS.rglob("*.md")} - {(DOCS / "README.md").resolve()}
    assert on_disk <= listed, sorted(str(p.relative_to(ROOT)) for p in on_disk - listed)
    for page in on_disk | {(ROOT / "README.md").resolve()}:
        for target in LINK.findall(page.read_text()):
            resolved = (page.parent / target).resolve()
            # A page another part of the project writes may not exist yet, but it must be planned.
            assert resolved.is_file() or resolved in listed, f"{page.relative_to(ROOT)} links {target}"
