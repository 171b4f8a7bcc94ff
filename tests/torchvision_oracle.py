"""torchvision as a test oracle: its transforms, datasets and models are pure Python, but its
compiled ops fail to load next to the CPU-only torch, so the two modules that register them are
stubbed before the import. Tests that need it call ``torchvision()`` (skipped when absent)."""
import sys
import types

import pytest


def torchvision():
    for name in ("torchvision._meta_registrations", "torchvision._autograd_registrations"):
        sys.modules.setdefault(name, types.ModuleType(name))
    return pytest.importorskip("torchvision")
