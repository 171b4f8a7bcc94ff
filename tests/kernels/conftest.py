import pytest


@pytest.fixture(autouse=True)
def _two_threads():
    """The kernel tests run on two threads even in a one-thread test worker: with one thread the
    kernels never take their parallel compilations, which these tests compare too."""
    import chainrule
    before = chainrule.get_num_threads()
    chainrule.set_num_threads(2)
    yield
    chainrule.set_num_threads(before)
