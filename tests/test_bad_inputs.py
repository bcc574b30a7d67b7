"""The bad-input corpus (issue 13): each realistic bad input gives a clear error or counted rejects, never a traceback.

The cases and what each expects are in ``tests/badinputs/corpus.py``; ``python -m tests.badinputs.corpus`` prints
handled / total.
"""

from __future__ import annotations

import pytest

from tests.badinputs.corpus import CASES, check


def test_corpus_is_large_and_spans_the_commands():
    assert len(CASES) >= 60
    assert len({c.command.split()[0] for c in CASES}) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case, tmp_path):
    try:
        why = check(case, tmp_path)
    finally:
        for d in tmp_path.rglob("*"):
            if d.is_dir():
                d.chmod(0o755)
    if why:
        pytest.fail(f"{case.command}: {case.name}: {why}", pytrace=False)
