"""The graph view a learner can render with Graphviz."""
import chainrule as cr
from chainrule.utils.graph import to_dot


def test_to_dot_shows_ops_shapes_and_named_leaves():
    w = cr.randn(3, 2, requires_grad=True)
    x = cr.randn(4, 3)
    loss = (x @ w).relu().sum()
    dot = to_dot(loss, params={"w": w})
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    for label in ("SumBackward0", "ReLUBackward0", "MatmulBackward0", "w\\n3×2 float32", "4×2"):
        assert label in dot
    assert dot.count("->") == 4  # w→matmul→relu→sum→output


def test_to_dot_of_a_leaf():
    assert "output" in to_dot(cr.ones(2))
