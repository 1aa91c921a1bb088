"""docs/architecture.md is what `python -m tools.architecture` writes from the code now: the layers,
the packages and their modules, the screens with their addresses, and the table of requirements
(docs/requirements.md) → modules → tests. A moved module, a new screen or a new citation of a
requirement makes it stale until the command is run again."""
from __future__ import annotations

from tools import architecture


def test_the_committed_page_is_what_the_code_says():
    assert architecture.DOC.read_text(encoding="utf-8") == architecture.render(), \
        "docs/architecture.md is stale: run `python -m tools.architecture` and commit the page"


def test_every_cited_requirement_exists():
    known = architecture.requirements()
    assert len(known) == 43
    cited = set(architecture.cited(architecture.CODE)) | set(architecture.cited(architecture.TESTS))
    assert not cited - set(known), f"ids cited in the code but not in docs/requirements.md: {sorted(cited - set(known))}"
