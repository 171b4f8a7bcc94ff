"""torchvision as a test oracle: its transforms, datasets and models are pure Python, but its
compiled ops fail to load next to the CPU-only torch, so the two modules that register them are
stubbed before the import (benchmarks.programs.stub_torchvision_ops, which the benchmarks share).
Tests that need it call ``torchvision()`` (skipped when absent)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.programs import stub_torchvision_ops  # noqa: E402


def torchvision():
    stub_torchvision_ops()
    return pytest.importorskip("torchvision")
