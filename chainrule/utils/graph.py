"""See the chain rule's path: the graph behind a tensor as Graphviz source.

``print(to_dot(loss))`` and paste it into any Graphviz viewer (or ``dot -Tpng``): boxes are ops
(the nodes backward visits), ellipses are leaves (where gradients end up), each with its shape.
"""
from ..autograd.tensor import Tensor


def _label_tensor(t, name=None):
    shape = "×".join(str(s) for s in t.shape) or "scalar"
    head = f"{name}\\n" if name else ""
    return f"{head}{shape} {t.dtype.name}"


def to_dot(tensor, params=None, show_shapes=True):
    """Graphviz ``digraph`` source for the graph that produced ``tensor``.

    ``params`` optionally maps names to leaf tensors (e.g. ``dict(model.named_parameters())``),
    so leaves are labelled with their names.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    names = {id(p): n for n, p in (params or {}).items()}
    lines = ["digraph chainrule {", '  rankdir="BT";', '  node [fontname="Helvetica", fontsize=10];']
    ids = {}

    def node_id(obj):
        if id(obj) not in ids:
            ids[id(obj)] = f"n{len(ids)}"
        return ids[id(obj)]

    out_id = node_id(tensor)
    lines.append(f'  {out_id} [label="output\\n{_label_tensor(tensor)}", shape=ellipse, '
                 f'style=filled, fillcolor="#c6e5ff"];')
    if tensor.grad_fn is None:
        lines.append("}")
        return "\n".join(lines)
    seen = set()
    stack = [tensor.grad_fn]
    lines.append(f"  {node_id(tensor.grad_fn)} -> {out_id};")
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        fid = node_id(fn)
        label = fn.name()
        out = getattr(fn, "out", None)
        if show_shapes and out is not None and hasattr(out, "shape"):
            label += "\\n" + ("×".join(str(s) for s in out.shape) or "scalar")
        lines.append(f'  {fid} [label="{label}", shape=box, style=filled, fillcolor="#eeeeee"];')
        for e in fn.next:
            if e is None:
                continue
            if type(e) is tuple:
                lines.append(f"  {node_id(e[0])} -> {fid};")
                stack.append(e[0])
            else:
                lid = node_id(e)
                if id(e) not in seen:
                    seen.add(id(e))
                    lines.append(f'  {lid} [label="{_label_tensor(e, names.get(id(e)))}", '
                                 f'shape=ellipse, style=filled, fillcolor="#d5f5d5"];')
                lines.append(f"  {lid} -> {fid};")
    lines.append("}")
    return "\n".join(lines)
