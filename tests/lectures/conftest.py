import pytest

from chainrule.lectures import get, make_config
from chainrule.lectures.context import Context


@pytest.fixture
def run_quick():
    """Run an experiment's quick config (seed 0 unless given, no progress bar); returns its metrics."""
    def run(name, seed=0, **overrides):
        exp = get(name)
        result = exp.fn(make_config(exp, quick=True, overrides=overrides), Context(seed=seed, progress=False))
        import matplotlib.pyplot as plt
        for fig in result.figures.values():
            plt.close(fig)
        assert result.headline and result.figures
        return result.metrics
    return run
