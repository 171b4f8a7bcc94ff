"""Sequence workloads: the Transformer encoder (W4) — attention, layer norms, feed-forward blocks
and an embedding, trained one step at a time as the speaker-ID homework does."""
import numpy as np

from .harness import workload


def encoder_classifier(nn, vocab=256, d=128, heads=4, ff=512, layers=2, T=64, classes=10, norm_first=False):
    """W4's model: token + learned position embeddings → ``layers`` encoder layers → mean over
    time → Linear."""
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(T, d)
            layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True,
                                               norm_first=norm_first)
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.head = nn.Linear(d, classes)

        def forward(self, x):
            h = self.tok(x) + self.pos.weight[:x.shape[1]]
            return self.head(self.encoder(h).mean(1))
    return Model()


def _encoder_step(T=64, batch=32, norm_first=False):
    def build(lib):
        import torch
        rng = np.random.default_rng(0)
        torch.manual_seed(0)
        model = encoder_classifier(lib.nn, T=T, norm_first=norm_first)
        if lib is not torch:
            ref = encoder_classifier(torch.nn, T=T, norm_first=norm_first)
            model.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
        x = lib.tensor(rng.integers(0, 256, (batch, T)))
        y = lib.tensor(rng.integers(0, 10, batch))
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = lib.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        return step
    return build


workload("W4_encoder_step", target=1.5, rounds=20,
         about="2-layer post-LN Transformer encoder (d 128, 4 heads, ff 512), T 64, batch 32, token + "
               "learned position embeddings, mean-pool head: forward, cross-entropy, backward, SGD step")(
    _encoder_step())
workload("W4_pre_ln", rounds=20, about="W4 with norm_first=True (pre-LN)")(_encoder_step(norm_first=True))
workload("W4_T256", rounds=8, about="W4 at sequence length 256, batch 8")(_encoder_step(T=256, batch=8))
