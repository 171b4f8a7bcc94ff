"""Matrix products: matmul (BLAS), mm, bmm, dot, outer and einsum.

For Y = AB, ∂L/∂A = (∂L/∂Y)Bᵀ and ∂L/∂B = Aᵀ(∂L/∂Y): the backward pass is two more matrix products,
so it runs at BLAS speed too.
"""
import numpy as np

from ..autograd.broadcast import sum_to_shape
from ..autograd.function import Op
from ._util import data_of, promote
from .shape import expand, reshape, squeeze, unsqueeze


def _mm_error(op, a, b):
    return RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                        f"({a.shape[-1]} != {b.shape[-2]})")


class Matmul(Op):
    """Y = AB over the last two dims, batch dims broadcast; dA = dY·Bᵀ, dB = Aᵀ·dY."""

    def forward(self, a, b):
        a, b = promote(a, b)
        if a.shape[-1] != b.shape[-2]:
            raise _mm_error("matmul", a, b)
        try:
            out = np.matmul(a, b)
        except ValueError:
            raise RuntimeError(f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be "
                               f"broadcast together") from None
        self.save_for_backward(a, b)
        return out

    def backward(self, gy):
        a, b = self.saved_tensors
        n = self.next
        ga = gb = None
        if n[0] is not None:
            ga = gy @ b.swapaxes(-1, -2)
        if n[1] is not None:
            if b.ndim == 2 and a.ndim > 2:  # fold the batch into one BLAS call
                k = a.shape[-1]
                gb = a.reshape(-1, k).swapaxes(-1, -2) @ gy.reshape(-1, gy.shape[-1])
            else:
                gb = a.swapaxes(-1, -2) @ gy
        return ga, gb


class Dot(Op):
    """y = Σᵢ aᵢbᵢ; ∂y/∂a = b, ∂y/∂b = a."""

    def forward(self, a, b):
        a, b = promote(a, b)
        self.save_for_backward(a, b)
        return np.dot(a, b)

    def backward(self, gy):
        a, b = self.saved_tensors
        return gy * b, gy * a


def matmul(input, other):
    a, b = input, other
    da, db = len(a.shape), len(b.shape)
    if da == 0 or db == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    if da == 1 and db == 1:
        return dot(a, b)
    if da == 1:
        if a.shape[0] != b.shape[-2]:
            raise _mm_error("matmul", a, b)
        return squeeze(Matmul.apply(unsqueeze(a, 0), b), -2)
    if db == 1:
        if a.shape[-1] != b.shape[0]:
            raise RuntimeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                               f"multiplied ({a.shape[-1]} != {b.shape[0]})")
        return squeeze(Matmul.apply(a, unsqueeze(b, -1)), -1)
    return Matmul.apply(a, b)


_NDIM = {"mm": (2, "2-D matrices"), "bmm": (3, "3-D tensors"), "outer": (1, "1D tensors")}


def _check_product_shapes(op, a, b):
    """The shape rules of mm, bmm, dot and outer, in one place, with PyTorch's messages."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    if op == "dot":
        if len(sa) != 1 or len(sb) != 1:
            raise RuntimeError(f"dot: 1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors")
        if sa[0] != sb[0]:
            raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{sa[0]}] and "
                               f"src [{sb[0]}] to have the same number of elements")
        return
    nd, what = _NDIM[op]
    if len(sa) != nd or len(sb) != nd:
        raise RuntimeError(f"{op}: expected {what}, got shapes {sa} and {sb}")
    if op == "bmm" and sa[0] != sb[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {sa[0]} and {sb[0]}")
    if op != "outer" and sa[-1] != sb[-2]:
        raise _mm_error(op, a, b)


def mm(input, mat2):
    _check_product_shapes("mm", input, mat2)
    return Matmul.apply(input, mat2)


def bmm(input, mat2):
    _check_product_shapes("bmm", input, mat2)
    return Matmul.apply(input, mat2)


def dot(input, other):
    _check_product_shapes("dot", input, other)
    return Dot.apply(input, other)


inner = dot
vdot = dot


def outer(input, vec2):
    _check_product_shapes("outer", input, vec2)
    return reshape(input, (-1, 1)) * reshape(vec2, (1, -1))


ger = outer


# ----------------------------------------------------------------------------------- einsum
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(equation, shapes):
    """Expand '...' into letters and make the output explicit: returns (input subs, output sub)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError(f"einsum: the equation names {len(subs)} operands but {len(shapes)} "
                         f"were given")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell_nd = 0
    for s, shp in zip(subs, shapes):
        if "..." in s:
            ell_nd = max(ell_nd, len(shp) - (len(s) - 3))
    ell = "".join(free[:ell_nd])
    out_subs = []
    for s, shp in zip(subs, shapes):
        if "..." in s:
            k = len(shp) - (len(s) - 3)
            s = s.replace("...", ell[ell_nd - k:] if k else "")
        if len(s) != len(shp):
            raise RuntimeError(f"einsum: the subscripts '{s}' name {len(s)} dims but the operand "
                               f"has shape {tuple(shp)}")
        out_subs.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for s in out_subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return out_subs, out


class Einsum(Op):
    """Einstein summation; the gradient of each operand is another einsum of the output gradient
    with the other operands (broadcast over letters only that operand had, placed on the diagonal
    for letters it repeats)."""

    def forward(self, *ops, equation):
        self.subs, self.out_sub = _parse_einsum(equation, [o.shape for o in ops])
        self.sizes = {}
        for s, o in zip(self.subs, ops):
            for c, n in zip(s, o.shape):
                if self.sizes.setdefault(c, n) != n and n != 1 and self.sizes[c] != 1:
                    raise RuntimeError(f"einsum: subscript '{c}' has size {n} in one operand and "
                                       f"{self.sizes[c]} in another")
                self.sizes[c] = max(self.sizes[c], n)
        self.save_for_backward(*ops)
        return np.einsum(f"{','.join(self.subs)}->{self.out_sub}", *ops, optimize=len(ops) > 2)

    def backward(self, gy):
        ops = self.saved_tensors
        grads = []
        for i, e in enumerate(self.next):
            grads.append(self._grad(i, gy, ops) if e is not None else None)
        return tuple(grads)

    def _grad(self, i, gy, ops):
        sub = self.subs[i]
        others = [(s, o) for j, (s, o) in enumerate(zip(self.subs, ops)) if j != i]
        avail = set(self.out_sub) | set("".join(s for s, _ in others))
        uniq = "".join(dict.fromkeys(sub))
        target = "".join(c for c in uniq if c in avail)
        terms = ",".join([self.out_sub] + [s for s, _ in others])
        g = einsum(f"{terms}->{target}", gy, *[o for _, o in others])
        if len(target) != len(uniq):  # letters only this operand had: it was summed, so broadcast
            g = reshape(g, tuple(self.sizes[c] if c in target else 1 for c in uniq))
            g = expand(g, tuple(self.sizes[c] for c in uniq))
        if len(uniq) != len(sub):  # a repeated letter reads a diagonal: put the gradient back there
            spare = iter(c for c in _LETTERS if c not in self.sizes)
            seen, new_sub, eyes, eye_subs = set(), "", [], []
            for c in sub:
                if c in seen:
                    d = next(spare)
                    new_sub += d
                    dt = np.asarray(data_of(gy)).dtype
                    eyes.append(np.eye(self.sizes[c], dtype=dt))
                    eye_subs.append(c + d)
                else:
                    seen.add(c)
                    new_sub += c
            g = einsum(f"{','.join([uniq] + eye_subs)}->{new_sub}", g, *eyes)
        shape = ops[i].shape
        if tuple(g.shape) != tuple(shape):
            g = sum_to_shape(g, shape)
        return g


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    return Einsum.apply(*operands, equation=equation)
