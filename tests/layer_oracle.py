"""Build a layer in both libraries, copy torch's weights into chainrule's, compare everything."""
import numpy as np
import torch

import chainrule as cr


def build_pair(make, dtype=torch.float64):
    torch.manual_seed(0)
    t = make(torch.nn).to(dtype)
    c = make(cr.nn).to(cr.float64 if dtype == torch.float64 else cr.float32)
    t_keys = [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    c_keys = [(k, tuple(v.shape)) for k, v in c.state_dict().items()]
    assert c_keys == t_keys, f"state_dict keys/shapes differ:\n{c_keys}\n{t_keys}"
    c.load_state_dict(t.state_dict())
    return c, t


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def compare_layer(make, input_shapes, train=True, steps=1, atol=1e-9, rtol=1e-7, seed=0, int_inputs=None):
    """Forward values, input gradients, parameter gradients and buffers equal torch's."""
    c, t = build_pair(make)
    c.train(train)
    t.train(train)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        arrays = [rng.integers(0, int_inputs, s) if int_inputs else rng.standard_normal(s)
                  for s in input_shapes]
        c_in = [cr.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        c.zero_grad()
        t.zero_grad()
        c_out, t_out = _flat(c(*c_in)), _flat(t(*t_in))
        for co, to in zip(c_out, t_out):
            np.testing.assert_allclose(co.data, to.detach().numpy(), atol=atol, rtol=rtol,
                                       err_msg="forward")
        floats = [(co, to) for co, to in zip(c_out, t_out) if to.requires_grad]
        if floats:
            ws = [rng.standard_normal(tuple(to.shape)) for _, to in floats]
            sum((co * cr.tensor(w)).sum() for (co, _), w in zip(floats, ws)).backward()
            sum((to * torch.tensor(w)).sum() for (_, to), w in zip(floats, ws)).backward()
            for i, (ci, ti) in enumerate(zip(c_in, t_in)):
                if ti.grad is not None:
                    np.testing.assert_allclose(ci.grad.data, ti.grad.numpy(), atol=atol, rtol=rtol,
                                               err_msg=f"gradient of input {i}")
            t_params = dict(t.named_parameters())
            for name, p in c.named_parameters():
                tp = t_params[name]
                if tp.grad is None:
                    assert p.grad is None or not np.any(p.grad.data), name
                    continue
                np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), atol=atol, rtol=rtol,
                                           err_msg=f"gradient of {name}")
        for (name, b), tb in zip(c.named_buffers(), t.buffers()):
            np.testing.assert_allclose(b.data, tb.numpy(), atol=atol, rtol=rtol, err_msg=f"buffer {name}")
    return c, t


def run_pair(make, call, shapes, train=True, seed=0, atol=1e-9, rtol=1e-7):
    """Build both modules (torch's weights copied in), run ``call(module, lib, inputs)`` and compare
    every output and every gradient."""
    c, t = build_pair(make)
    c.train(train)
    t.train(train)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    c_in = [cr.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    c_out, t_out = _flat(call(c, cr, c_in)), _flat(call(t, torch, t_in))
    assert [o is None for o in c_out] == [o is None for o in t_out], "which outputs are None"
    pairs = [(co, to) for co, to in zip(c_out, t_out) if to is not None]
    for i, (co, to) in enumerate(pairs):
        assert tuple(co.shape) == tuple(to.shape), f"output {i} shape"
        np.testing.assert_allclose(co.detach().numpy(), to.detach().numpy(), atol=atol, rtol=rtol,
                                   err_msg=f"output {i}")
    pairs = [(co, to) for co, to in pairs if to.requires_grad]
    ws = [rng.standard_normal(tuple(to.shape)) for _, to in pairs]
    sum((co * cr.tensor(w)).sum() for (co, _), w in zip(pairs, ws)).backward()
    sum((to * torch.tensor(w)).sum() for (_, to), w in zip(pairs, ws)).backward()
    for i, (ci, ti) in enumerate(zip(c_in, t_in)):
        tg = np.zeros(ti.shape) if ti.grad is None else ti.grad.numpy()
        cg = np.zeros(ci.shape) if ci.grad is None else ci.grad.data
        np.testing.assert_allclose(cg, tg, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}")
    t_params = dict(t.named_parameters())
    for name, p in c.named_parameters():
        tp = t_params[name]
        tg = np.zeros(tp.shape) if tp.grad is None else tp.grad.numpy()
        cg = np.zeros(p.shape) if p.grad is None else p.grad.data
        np.testing.assert_allclose(cg, tg, atol=atol, rtol=rtol, err_msg=f"gradient of {name}")
    return c, t
