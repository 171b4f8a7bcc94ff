"""Sequence workloads: the Transformer encoder (W4) — attention, layer norms, feed-forward blocks
and an embedding, trained one step at a time as the speaker-ID homework does."""
import numpy as np

from .harness import workload
from .workloads import sgd_step


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
        return sgd_step(lib, lambda nn: encoder_classifier(nn, T=T, norm_first=norm_first),
                        lambda rng: rng.integers(0, 256, (batch, T)), 10, batch)
    return build


workload("W4_encoder_step", target=1.5, rounds=20,
         about="2-layer post-LN Transformer encoder (d 128, 4 heads, ff 512), T 64, batch 32, token + "
               "learned position embeddings, mean-pool head: forward, cross-entropy, backward, SGD step")(
    _encoder_step())
workload("W4_pre_ln", rounds=20, about="W4 with norm_first=True (pre-LN)")(_encoder_step(norm_first=True))
workload("W4_T256", rounds=8, about="W4 at sequence length 256, batch 8")(_encoder_step(T=256, batch=8))


# ------------------------------------------------------------------------------------ recurrent
class _LastStep:
    """A recurrent layer, its output at the last step → Linear(10) (built per library)."""

    @staticmethod
    def build(nn, kind, layers=1, bidirectional=False, d_in=32, hidden=128):
        rnn_cls = {"LSTM": nn.LSTM, "GRU": nn.GRU}[kind]

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = rnn_cls(d_in, hidden, layers, batch_first=True, bidirectional=bidirectional)
                self.head = nn.Linear(hidden * (2 if bidirectional else 1), 10)

            def forward(self, x):
                return self.head(self.rnn(x)[0][:, -1])
        return Model()


def _recurrent_step(kind, layers=1, bidirectional=False, T=50, batch=32):
    def build(lib):
        return sgd_step(lib, lambda nn: _LastStep.build(nn, kind, layers, bidirectional),
                        lambda rng: rng.standard_normal((batch, T, 32)).astype(np.float32), 10, batch)
    return build


workload("W3_lstm_step", target=2.0, rounds=20,
         about="LSTM 32→128, T 50, batch 32, last step → Linear 10, cross-entropy, backward, SGD step")(
    _recurrent_step("LSTM"))
workload("W3_gru", rounds=20, about="W3 with a GRU")(_recurrent_step("GRU"))
workload("W3_lstm_2layer_bidir", rounds=10, about="W3 with a 2-layer bidirectional LSTM")(
    _recurrent_step("LSTM", layers=2, bidirectional=True))
