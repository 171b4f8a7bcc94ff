"""The README's demo: a tiny network learns XOR with chainrule's engine alone.

XOR is the classic case a single logistic unit cannot fit (Lecture: limits of logistic
regression); one hidden layer of tanh units can. Everything here is the engine: tensors, the graph
the forward pass records, ``backward()`` running the chain rule, and a plain gradient step.

Run: ``python -m chainrule.demo``
"""
import chainrule as cr


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


def main():
    print("chainrule demo: a 2-8-1 network learns XOR with the engine's backward()")
    losses, p = train_xor()
    preds = [round(v) for v in p.reshape(-1).tolist()]
    print(f"loss fell from {losses[0]:.4f} to {losses[-1]:.4f}")
    print(f"inputs (0,0) (0,1) (1,0) (1,1) -> predictions {preds} (XOR is [0, 1, 1, 0])")


if __name__ == "__main__":
    main()
