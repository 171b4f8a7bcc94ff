"""BERT: a Transformer encoder pre-trained by filling in masked tokens (Devlin et al. 2019, "BERT:
Pre-training of Deep Bidirectional Transformers for Language Understanding"), with the four ways
the lecture fine-tunes it. Module and parameter names follow the original release (as Hugging
Face's ``BertModel`` keeps them), so state-dict keys read ``encoder.layer.0.attention.self.query``.

Shapes: B batch, T tokens, H hidden size, V vocabulary.

Pre-training (self-supervised: the text labels itself)
- masked LM: 15% of the tokens are chosen; of those 80% become [MASK], 10% a random token, 10%
  stay; the model predicts the original token at the chosen positions only (labels −100 elsewhere);
- next-sentence prediction: given [CLS] A [SEP] B [SEP], is B the sentence after A?

Fine-tuning (the lecture's four cases): one label per sentence (the [CLS] vector → a linear
classifier), one label per token (each vector → a classifier), a sentence pair (segments A and B,
[CLS] → classifier), and extraction-based QA (each token scores "the answer starts here" and
"ends here").
"""
import dataclasses

import numpy as np

from .. import nn
from ..nn import functional as F
from ..ops.combine import cat
from ..ops.creation import arange, as_tensor, tensor, zeros_like


@dataclasses.dataclass
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    initializer_range: float = 0.02
    pad_token_id: int = 0

    def __post_init__(self):
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"BertConfig: hidden_size ({self.hidden_size}) must be divisible by "
                             f"num_attention_heads ({self.num_attention_heads})")


class BertEmbeddings(nn.Module):
    """token + position + segment embeddings, then LayerNorm and dropout."""

    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids):
        T = input_ids.shape[1]
        x = self.word_embeddings(input_ids) + self.position_embeddings(arange(T)) \
            + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout_p = c.attention_probs_dropout_prob
        self.prefix = None                      # prefix tuning (nn.adapters) puts a module here

    def forward(self, x, keep):
        B, T, H = x.shape
        h = self.num_attention_heads
        q, k, v = (lin(x).view(B, T, h, H // h).transpose(1, 2) for lin in (self.query, self.key, self.value))
        if self.prefix is not None:             # learned keys/values every token may attend to
            pk, pv = self.prefix(B)
            k, v = cat([pk, k], 2), cat([pv, v], 2)
            keep = None if keep is None else tensor(np.concatenate(
                [np.ones(keep.shape[:-1] + (self.prefix.length,), bool), keep.numpy()], -1))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep,
                                           dropout_p=self.dropout_p if self.training else 0.0)
        return y.transpose(1, 2).contiguous().view(B, T, H)


class BertSelfOutput(nn.Module):
    """Post-LN residual: LayerNorm(x + dropout(dense(y)))."""

    def __init__(self, c, d_in):
        super().__init__()
        self.dense = nn.Linear(d_in, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, y, x):
        return self.LayerNorm(x + self.dropout(self.dense(y)))


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c, c.hidden_size)

    def forward(self, x, keep):
        return self.output(self.self(x, keep), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    """x → LN(x + attention(x)) → LN(· + FFN(·))."""

    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertSelfOutput(c, c.intermediate_size)

    def forward(self, x, keep):
        a = self.attention(x, keep)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, x, keep):
        for layer in self.layer:
            x = layer(x, keep)
        return x


class BertPooler(nn.Module):
    """The [CLS] vector through dense + tanh: the sentence's representation."""

    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, x):
        return self.activation(self.dense(x[:, 0]))


class BertPreTrainedModel(nn.Module):
    """Shared: the config check and BERT's initialization (normal(0, 0.02) weights, zero biases,
    LayerNorms at 1 and 0, the padding row zero)."""

    def __init__(self, config):
        super().__init__()
        if not isinstance(config, BertConfig):
            raise TypeError(f"{type(self).__name__}: config must be a BertConfig, got {type(config).__name__}")
        self.config = config

    def init_weights(self):
        r = self.config.initializer_range
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, r)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)
                if isinstance(m, nn.Embedding) and m.padding_idx is not None:
                    m.weight.data[m.padding_idx] = 0.0
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)


def _keep_mask(attention_mask, shape):
    """(B, T) 1 = a real token, 0 = padding → a bool (B, 1, 1, T) "may attend" mask, or None."""
    if attention_mask is None:
        return None
    m = np.asarray(as_tensor(attention_mask).numpy()).astype(bool)
    if m.shape != tuple(shape):
        raise ValueError(f"BERT: attention_mask must have the shape of input_ids {tuple(shape)}, got {m.shape}")
    return tensor(m[:, None, None, :])


class BertModel(BertPreTrainedModel):
    """input_ids (B, T), token_type_ids (segment 0/1), attention_mask (1 real, 0 pad) →
    (sequence_output (B, T, H), pooled_output (B, H))."""

    def __init__(self, config, add_pooling_layer=True):
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.init_weights()

    def forward(self, input_ids, token_type_ids=None, attention_mask=None):
        input_ids = as_tensor(input_ids)
        if input_ids.ndim != 2:
            raise ValueError(f"BertModel: input_ids must be (batch, tokens), got shape {tuple(input_ids.shape)}")
        if input_ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(f"BertModel: {input_ids.shape[1]} tokens exceed max_position_embeddings "
                             f"({self.config.max_position_embeddings})")
        types = zeros_like(input_ids) if token_type_ids is None else as_tensor(token_type_ids)
        x = self.encoder(self.embeddings(input_ids, types), _keep_mask(attention_mask, input_ids.shape))
        return x, (self.pooler(x) if self.pooler is not None else None)


class BertLMPredictionHead(nn.Module):
    """dense + GELU + LayerNorm, then the decoder tied to the word embeddings, plus a bias."""

    def __init__(self, c, word_embeddings):
        super().__init__()
        self.transform = nn.Module()
        self.transform.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.transform.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.decoder = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.decoder.weight = word_embeddings.weight
        self.bias = nn.Parameter(np.zeros(c.vocab_size, np.float32))

    def forward(self, x):
        x = self.transform.LayerNorm(F.gelu(self.transform.dense(x)))
        return self.decoder(x) + self.bias


class BertForPreTraining(BertPreTrainedModel):
    """Masked LM and next-sentence prediction. forward → (prediction_logits (B, T, V),
    seq_relationship_logits (B, 2), loss or None)."""

    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config)
        self.cls = nn.Module()
        self.cls.predictions = BertLMPredictionHead(config, self.bert.embeddings.word_embeddings)
        self.cls.seq_relationship = nn.Linear(config.hidden_size, 2)
        nn.init.normal_(self.cls.predictions.transform.dense.weight, 0.0, config.initializer_range)
        nn.init.zeros_(self.cls.predictions.transform.dense.bias)
        nn.init.normal_(self.cls.seq_relationship.weight, 0.0, config.initializer_range)
        nn.init.zeros_(self.cls.seq_relationship.bias)

    def forward(self, input_ids, token_type_ids=None, attention_mask=None, labels=None,
                next_sentence_label=None):
        x, pooled = self.bert(input_ids, token_type_ids, attention_mask)
        mlm = self.cls.predictions(x)
        nsp = self.cls.seq_relationship(pooled)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(mlm.view(-1, mlm.shape[-1]), as_tensor(labels).view(-1), ignore_index=-100)
        if next_sentence_label is not None:
            l2 = F.cross_entropy(nsp, as_tensor(next_sentence_label))
            loss = l2 if loss is None else loss + l2
        return mlm, nsp, loss


class _Classifier(BertPreTrainedModel):
    """BERT + dropout + a linear layer on the pooled [CLS] vector (``per_token=False``) or on
    every token's vector (``per_token=True``). forward → (logits, loss or None)."""

    per_token = False

    def __init__(self, config, num_labels=2, classifier_dropout=None):
        super().__init__(config)
        if num_labels < 1:
            raise ValueError(f"{type(self).__name__}: num_labels must be ≥ 1, got {num_labels}")
        self.num_labels = num_labels
        self.bert = BertModel(config, add_pooling_layer=not self.per_token)
        p = config.hidden_dropout_prob if classifier_dropout is None else classifier_dropout
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, num_labels)
        nn.init.normal_(self.classifier.weight, 0.0, config.initializer_range)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, input_ids, token_type_ids=None, attention_mask=None, labels=None):
        x, pooled = self.bert(input_ids, token_type_ids, attention_mask)
        logits = self.classifier(self.dropout(x if self.per_token else pooled))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.reshape(-1, self.num_labels), as_tensor(labels).reshape(-1),
                                   ignore_index=-100)
        return logits, loss


class BertForSequenceClassification(_Classifier):
    """Case 1 (one label per sentence) and case 3 (a sentence pair: pass token_type_ids)."""


class BertForTokenClassification(_Classifier):
    """Case 2: one label per token (labels −100 are ignored: padding, [CLS], [SEP])."""

    per_token = True


class BertForQuestionAnswering(BertPreTrainedModel):
    """Case 4, extraction-based QA: input [CLS] question [SEP] document [SEP]; two vectors score
    every token as the answer's start and end. forward → (start_logits, end_logits, loss or None)."""

    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)
        nn.init.normal_(self.qa_outputs.weight, 0.0, config.initializer_range)
        nn.init.zeros_(self.qa_outputs.bias)

    def forward(self, input_ids, token_type_ids=None, attention_mask=None, start_positions=None,
                end_positions=None):
        x, _ = self.bert(input_ids, token_type_ids, attention_mask)
        start, end = self.qa_outputs(x).unbind(-1)
        loss = None
        if start_positions is not None and end_positions is not None:
            loss = (F.cross_entropy(start, as_tensor(start_positions))
                    + F.cross_entropy(end, as_tensor(end_positions))) / 2
        return start, end, loss


def mask_tokens(input_ids, mask_token_id, vocab_size, special_ids=(), mlm_probability=0.15, rng=None):
    """BERT's masking rule on an int array (B, T): choose each non-special token with probability
    ``mlm_probability``; of the chosen, 80% → [MASK], 10% → a random token, 10% unchanged.
    Returns (inputs, labels): labels hold the original id at chosen positions, −100 elsewhere."""
    if not 0.0 < mlm_probability < 1.0:
        raise ValueError(f"mask_tokens: mlm_probability must be in (0, 1), got {mlm_probability}")
    rng = np.random.default_rng() if rng is None else rng
    ids = np.array(input_ids, dtype=np.int64)
    chosen = (rng.random(ids.shape) < mlm_probability) & ~np.isin(ids, list(special_ids))
    labels = np.where(chosen, ids, -100)
    u = rng.random(ids.shape)
    inputs = ids.copy()
    inputs[chosen & (u < 0.8)] = mask_token_id
    swap = chosen & (u >= 0.8) & (u < 0.9)
    inputs[swap] = rng.integers(0, vocab_size, int(swap.sum()))
    return inputs, labels
