"""The README's demo, in two acts.

1. The engine alone: a tiny network learns XOR — the classic case a single logistic unit cannot
   fit (Lecture: limits of logistic regression) — with tensors, ``backward()`` and a plain
   gradient step.
2. The whole stack: an MLP trained on scikit-learn's bundled 8×8 digits with ``chainrule.train.fit``
   (progress bar, validation), saved to a safetensors file, loaded back into a fresh model, and
   evaluated again — the same test accuracy.

Run: ``python -m chainrule.demo``
"""
import os
import tempfile

import chainrule as cr
from chainrule import nn


def train_xor(steps=2000, hidden=8, lr=0.5, seed=0, log_every=200, log=print):
    """Fit y = x₁ XOR x₂ with σ(W₂ tanh(W₁x + b₁) + b₂) and cross-entropy; returns the losses."""
    cr.manual_seed(seed)
    x = cr.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = cr.tensor([[0.0], [1.0], [1.0], [0.0]])
    w1 = (cr.randn(2, hidden) * 1.0).requires_grad_()
    b1 = cr.zeros(hidden, requires_grad=True)
    w2 = (cr.randn(hidden, 1) * 1.0).requires_grad_()
    b2 = cr.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    losses = []
    for step in range(1, steps + 1):
        p = ((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()
        loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()   # cross-entropy
        for q in params:
            q.grad = None
        loss.backward()                                          # the chain rule, backwards
        with cr.no_grad():
            for q in params:
                q -= lr * q.grad                                 # θ ← θ − η ∂L/∂θ
        losses.append(loss.item())
        if log and (step == 1 or step % log_every == 0):
            log(f"step {step:5d}  loss {loss.item():.4f}")
    with cr.no_grad():
        p = ((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()
    return losses, p


def digits_model():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10))


def train_digits(epochs=30, seed=0, progress=True, log=print, path=None):
    """Fit an MLP on the digits, save it, reload it; returns (test accuracy, reloaded accuracy)."""
    from chainrule.data import Standardizer, train_val_test_split
    from chainrule.data.datasets import load_digits
    from chainrule.utils.data import DataLoader, TensorDataset
    cr.manual_seed(seed)
    x, y = load_digits()
    xtr, xva, xte, ytr, yva, yte = train_val_test_split(
        x, y, fractions=(0.7, 0.1, 0.2), generator=cr.Generator().manual_seed(seed))
    scale = Standardizer().fit(xtr)  # statistics from the training split only

    def loader(a, b, shuffle):
        return DataLoader(TensorDataset(cr.tensor(scale.transform(a)), cr.tensor(b)), batch_size=64,
                          shuffle=shuffle)
    model = digits_model()
    history = cr.train.fit(model, nn.CrossEntropyLoss(), cr.optim.Adam(model.parameters(), lr=1e-3),
                           loader(xtr, ytr, True), loader(xva, yva, False), epochs=epochs,
                           metrics=["accuracy"], progress=progress)
    if log:
        log(f"trained {epochs} epochs: train loss {history['loss'][-1]:.4f}, "
            f"validation accuracy {history['val_accuracy'][-1]:.4f}")
    x_test = cr.tensor(scale.transform(xte))

    def test_accuracy(m):
        m.eval()
        with cr.no_grad():
            return cr.train.accuracy(m(x_test), yte)
    acc = test_accuracy(model)
    path = path or os.path.join(tempfile.mkdtemp(prefix="chainrule-demo-"), "digits_mlp.safetensors")
    cr.save(model.state_dict(), path)
    fresh = digits_model()
    fresh.load_state_dict(cr.load(path))
    acc_loaded = test_accuracy(fresh)
    if log:
        log(f"test accuracy {acc:.4f}; saved to {path}, reloaded: test accuracy {acc_loaded:.4f}")
    return acc, acc_loaded


def main():
    print("chainrule demo 1/2: a 2-8-1 network learns XOR with the engine's backward()")
    losses, p = train_xor(log_every=500)
    preds = [round(v) for v in p.reshape(-1).tolist()]
    print(f"loss fell from {losses[0]:.4f} to {losses[-1]:.4f}")
    print(f"inputs (0,0) (0,1) (1,0) (1,1) -> predictions {preds} (XOR is [0, 1, 1, 0])")
    print("\nchainrule demo 2/2: an MLP learns the 8x8 digits with chainrule.train.fit")
    train_digits()


if __name__ == "__main__":
    main()
