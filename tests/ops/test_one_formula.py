"""One formula per op: a backward never selects between a Tensor formula and a second hand-written
array formula. The only branch on how it runs is ``recording(g)``, and its array side may call
named kernels (``K.name(...)``) but does no arithmetic of its own."""
import ast
import os

import chainrule.ops as ops_pkg

OPS = os.path.dirname(ops_pkg.__file__)


def _backwards():
    for f in sorted(os.listdir(OPS)):
        if f.endswith(".py"):
            tree = ast.parse(open(os.path.join(OPS, f), encoding="utf-8").read())
            for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
                for fn in cls.body:
                    if isinstance(fn, ast.FunctionDef) and fn.name in ("backward", "_grads"):
                        yield f"{f}:{cls.name}", fn


def _is_type_test(node):
    """isinstance(…, Tensor) / type(…) is np.ndarray: choosing code by what the engine passes."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "isinstance" and \
                any(getattr(a, "id", None) == "Tensor" for a in ast.walk(n.args[1])):
            return True
        if isinstance(n, ast.Compare) and isinstance(n.left, ast.Call) and getattr(n.left.func, "id", None) == "type":
            return True
    return False


def _array_side(node):
    """The statements that run on arrays in ``if [not] recording(g)`` (None for other tests)."""
    test = node.test
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    inner = test.operand if negated else test
    calls = [n for n in ast.walk(inner) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "recording"]
    if not calls:
        return None
    if isinstance(inner, ast.BoolOp) and not negated:
        return None
    body = node.body if negated or isinstance(inner, ast.BoolOp) else node.orelse
    return body if isinstance(body, list) else [body]


def test_no_backward_branches_on_tensor_types():
    bad = [f"{where}:{n.lineno}" for where, fn in _backwards() for n in ast.walk(fn)
           if isinstance(n, (ast.If, ast.IfExp)) and _is_type_test(n.test)]
    assert not bad, f"branch with recording(g) instead, the array side calling a kernel: {bad}"


def test_the_array_side_of_recording_only_calls_kernels():
    bad = []
    for where, fn in _backwards():
        for n in ast.walk(fn):
            if not isinstance(n, (ast.If, ast.IfExp)):
                continue
            side = _array_side(n)
            if side is None:
                continue
            for stmt in side:
                for m in ast.walk(stmt):
                    if isinstance(m, (ast.BinOp, ast.AugAssign)):
                        bad.append(f"{where}:{m.lineno}")
    assert not bad, f"arithmetic on the array side (put it in a kernel, or use the formula): {bad}"


def test_the_checks_can_fail():
    src = "class A:\n    def backward(self, g):\n        if isinstance(g, Tensor):\n            return g * 2\n        return g + g\n"
    fn = ast.parse(src).body[0].body[0]
    assert any(_is_type_test(n.test) for n in ast.walk(fn) if isinstance(n, ast.If))
    src = "if not recording(g):\n    return g * 2\n"
    node = ast.parse(src).body[0]
    assert any(isinstance(m, ast.BinOp) for s in _array_side(node) for m in ast.walk(s))
