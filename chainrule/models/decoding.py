"""Decoding a sequence from an autoregressive model (Lecture: Transformer — the decoder).

The decoder produces one distribution over the vocabulary per step; how a token is chosen from it
is the decoding strategy:

- greedy: the most probable token each step (fast, can miss a better whole sequence);
- beam search: keep the ``beam_size`` best partial sequences by total log-probability; finished
  ones are ranked by log p / length^α (``length_penalty`` α) so short outputs are not favoured;
- sampling: draw from softmax(logits / temperature), optionally only among the ``top_k`` tokens
  or the smallest set whose probability reaches ``top_p`` (nucleus sampling).

The model is any object with ``step(tokens, state) -> (logits, state)`` — ``tokens`` (N, t) the
sequence so far, ``logits`` (N, V) for the next token — and ``reorder(state, rows)`` that keeps
the given rows of the state (beam search needs it). Everything here works on NumPy arrays.
"""
import numpy as np


def log_softmax(logits):
    z = logits - logits.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def filter_logits(logits, top_k=None, top_p=None):
    """Logits with −∞ outside the ``top_k`` largest and outside the nucleus: the smallest set of
    most probable tokens whose probabilities sum to at least ``top_p`` (the top token always stays)."""
    out = np.array(logits, dtype=np.float64)
    if top_k is not None:
        if top_k < 1:
            raise ValueError(f"filter_logits: top_k must be ≥ 1, got {top_k}")
        k = min(top_k, out.shape[-1])
        kth = np.sort(out, -1)[..., -k][..., None]
        out[out < kth] = -np.inf
    if top_p is not None:
        if not 0.0 < top_p <= 1.0:
            raise ValueError(f"filter_logits: top_p must be in (0, 1], got {top_p}")
        order = np.argsort(-out, -1)
        p = np.exp(log_softmax(np.take_along_axis(out, order, -1)))
        before = np.cumsum(p, -1) - p                  # mass of the tokens ranked above
        drop = before >= top_p
        np.put_along_axis(out, order, np.where(drop, -np.inf, np.take_along_axis(out, order, -1)), -1)
    return out


def _check(max_new_tokens):
    if max_new_tokens < 1:
        raise ValueError(f"decoding: max_new_tokens must be ≥ 1, got {max_new_tokens}")


def greedy(model, state, bos, eos, max_new_tokens, batch):
    """The arg-max token each step until every row has produced ``eos`` (then it pads with eos)."""
    return sample(model, state, bos, eos, max_new_tokens, batch, temperature=0.0)


def sample(model, state, bos, eos, max_new_tokens, batch, temperature=1.0, top_k=None, top_p=None,
           rng=None):
    """Draw each token from softmax(logits/temperature) over the kept tokens (temperature 0: arg-max).
    Returns (N, 1 + generated) int64 tokens starting with ``bos``."""
    _check(max_new_tokens)
    if temperature < 0:
        raise ValueError(f"sample: temperature must be ≥ 0, got {temperature}")
    rng = np.random.default_rng() if rng is None else rng
    tokens = np.full((batch, 1), bos, np.int64)
    done = np.zeros(batch, bool)
    for _ in range(max_new_tokens):
        logits, state = model.step(tokens, state)
        if temperature == 0.0:
            nxt = np.argmax(logits, -1)
        else:
            p = np.exp(log_softmax(filter_logits(logits / temperature, top_k, top_p)))
            nxt = np.array([rng.choice(p.shape[-1], p=row / row.sum()) for row in p])
        nxt = np.where(done, eos, nxt)
        tokens = np.concatenate([tokens, nxt[:, None]], 1)
        done |= nxt == eos
        if done.all():
            break
    return tokens


def beam_search(model, state, bos, eos, max_new_tokens, beam_size=4, length_penalty=1.0):
    """Beam search for ONE source (``state`` for batch 1): each step the 2·beam best extensions
    are ranked; an end token among the first ``beam_size`` finishes that hypothesis, the best
    ``beam_size`` others continue. Finished ones are ranked by log p / (generated length)^α
    (α = ``length_penalty``, ≥ 0); the search stops when no open prefix can still reach the top
    ``beam_size`` finished ones. With ``beam_size=1`` this is greedy decoding. Returns (tokens
    starting with ``bos``, score)."""
    _check(max_new_tokens)
    if beam_size < 1:
        raise ValueError(f"beam_search: beam_size must be ≥ 1, got {beam_size}")
    if length_penalty < 0:
        raise ValueError(f"beam_search: length_penalty must be ≥ 0, got {length_penalty}")
    tokens = np.full((1, 1), bos, np.int64)
    scores = np.zeros(1)
    finished = []                                     # (normalized score, tokens)
    for step in range(max_new_tokens):
        logits, state = model.step(tokens, state)
        total = scores[:, None] + log_softmax(np.asarray(logits, np.float64))   # (beams, V)
        flat = np.argsort(-total, axis=None, kind="stable")[:2 * beam_size]
        rows, cols = np.unravel_index(flat, total.shape)
        keep_rows, keep_tok = [], []
        for rank, (r, c) in enumerate(zip(rows, cols)):
            if c == eos:
                if rank < beam_size:
                    finished.append((total[r, c] / (step + 1) ** length_penalty,
                                     np.concatenate([tokens[r], [eos]])))
            elif len(keep_rows) < beam_size:
                keep_rows.append(r)
                keep_tok.append(c)
        if not keep_rows:
            break
        if len(finished) >= beam_size:
            # an open prefix only loses probability as it grows: its best possible final score is
            # its score now over the longest length^α; stop when that cannot reach the top k
            kth = sorted(f[0] for f in finished)[-beam_size]
            if max(total[r, c] for r, c in zip(keep_rows, keep_tok)) / max_new_tokens ** length_penalty <= kth:
                break
        idx = np.array(keep_rows)
        state = model.reorder(state, idx)
        scores = total[idx, np.array(keep_tok)]
        tokens = np.concatenate([tokens[idx], np.array(keep_tok)[:, None]], 1)
    if not finished:                                  # nothing ended: the best open hypothesis
        length = tokens.shape[1] - 1
        return tokens[int(np.argmax(scores))], float(scores.max() / max(length, 1) ** length_penalty)
    best = max(finished, key=lambda f: f[0])
    return best[1], float(best[0])


# ------------------------------------------------------------------------------------------ CTC
def ctc_greedy(log_probs, blank=0):
    """Best path decoding: the most probable symbol of every frame, repeats merged, blanks dropped.
    ``log_probs`` (T, C) → a list of labels."""
    best = np.asarray(log_probs).argmax(-1)
    return [int(s) for i, s in enumerate(best) if s != blank and (i == 0 or best[i - 1] != s)]


def ctc_prefix_beam_search(log_probs, beam_size=8, blank=0):
    """Prefix beam search: keep the ``beam_size`` most probable *labelings* (prefixes), each with
    the probability of its alignments ending in a blank (p_b) and in its last label (p_nb), so
    that alignments that merge into the same labeling are summed — what best-path decoding
    misses. Returns (labels, log probability)."""
    lp = np.asarray(log_probs, np.float64)
    if beam_size < 1:
        raise ValueError(f"ctc_prefix_beam_search: beam_size must be ≥ 1, got {beam_size}")
    beams = {(): (0.0, -np.inf)}                      # prefix → (log p_b, log p_nb)
    for t in range(lp.shape[0]):
        nxt = {}

        def add(prefix, pb, pnb):
            ob, onb = nxt.get(prefix, (-np.inf, -np.inf))
            nxt[prefix] = (np.logaddexp(ob, pb), np.logaddexp(onb, pnb))
        for prefix, (pb, pnb) in beams.items():
            total = np.logaddexp(pb, pnb)
            add(prefix, total + lp[t, blank], -np.inf)                    # a blank: the prefix stays
            for c in range(lp.shape[1]):
                if c == blank:
                    continue
                p = lp[t, c]
                if prefix and prefix[-1] == c:
                    add(prefix, -np.inf, pnb + p)                         # repeat merges into the prefix
                    add(prefix + (c,), -np.inf, pb + p)                   # … unless a blank separated them
                else:
                    add(prefix + (c,), -np.inf, total + p)
        beams = dict(sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:beam_size])
    prefix, (pb, pnb) = max(beams.items(), key=lambda kv: np.logaddexp(*kv[1]))
    return list(prefix), float(np.logaddexp(pb, pnb))
