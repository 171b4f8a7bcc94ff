"""The worked examples of docs/ARCHITECTURE.md run as written (each ```python block, in a fresh
namespace)."""
import os
import re

import pytest

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "ARCHITECTURE.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(DOC, encoding="utf-8").read(), flags=re.S)


def test_the_document_has_its_worked_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_worked_example_runs(code):
    exec(compile(code, DOC, "exec"), {"__name__": "architecture_example"})
