"""Tokenizers: text ↔ integer ids, with the Hugging Face ``tokenizers`` habits (``encode`` gives
an ``Encoding`` with ``.ids`` and ``.tokens``, ``decode``, ``token_to_id``, ``get_vocab_size``,
``save`` / ``from_file`` as JSON).

- ``CharTokenizer``: one id per character (nanoGPT's shakespeare_char).
- ``BPETokenizer``: byte-pair encoding (Sennrich et al. 2016). Training starts from the characters
  and repeatedly merges the most frequent adjacent pair of symbols into a new symbol, within
  words (a word keeps its leading space, as GPT-2's does: " the" is one token, "the" another);
  encoding applies the learned merges in the order they were learned.

Special tokens ("[PAD]", "[CLS]", "[MASK]", …) take the first ids and are never split.
"""
import collections
import dataclasses
import json
import re

from ..io.atomic import atomic_write

_WORDS = re.compile(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+")


@dataclasses.dataclass
class Encoding:
    ids: list
    tokens: list

    def __len__(self):
        return len(self.ids)


class _Tokenizer:
    """What both tokenizers share: the vocabulary, special tokens, batch helpers and saving."""

    kind = None

    def __init__(self, vocab, special_tokens=()):
        self.vocab = list(vocab)
        self.special_tokens = list(special_tokens)
        self._id = {t: i for i, t in enumerate(self.vocab)}
        if len(self._id) != len(self.vocab):
            raise ValueError(f"{type(self).__name__}: the vocabulary has repeated tokens")
        missing = [t for t in self.special_tokens if t not in self._id]
        if missing:
            raise ValueError(f"{type(self).__name__}: special tokens {missing} are not in the vocabulary")
        self._special = re.compile("(" + "|".join(map(re.escape, sorted(self.special_tokens, key=len,
                                                                         reverse=True))) + ")") \
            if self.special_tokens else None

    def get_vocab_size(self):
        return len(self.vocab)

    def get_vocab(self):
        return dict(self._id)

    def token_to_id(self, token):
        """The id of ``token``, or None when it is not in the vocabulary (as ``tokenizers``)."""
        return self._id.get(token)

    def id_to_token(self, i):
        return self.vocab[i] if 0 <= i < len(self.vocab) else None

    def encode(self, text):
        if not isinstance(text, str):
            raise TypeError(f"{type(self).__name__}.encode: expected a str, got {type(text).__name__}")
        tokens = []
        pieces = self._special.split(text) if self._special else [text]
        for k, piece in enumerate(pieces):
            if self._special and k % 2 == 1:
                tokens.append(piece)
            elif piece:
                tokens.extend(self._split(piece))
        return Encoding([self._id[t] for t in tokens], tokens)

    def encode_batch(self, texts):
        return [self.encode(t) for t in texts]

    def decode(self, ids, skip_special_tokens=True):
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.vocab):
                raise ValueError(f"{type(self).__name__}.decode: id {i} is outside the vocabulary (0..{len(self.vocab) - 1})")
            t = self.vocab[i]
            if not (skip_special_tokens and t in self.special_tokens):
                out.append(t)
        return "".join(out)

    def _state(self):
        return {"kind": self.kind, "vocab": self.vocab, "special_tokens": self.special_tokens}

    def to_str(self):
        return json.dumps(self._state(), ensure_ascii=False)

    def save(self, path):
        """Write the tokenizer as JSON (atomically: a failed write leaves the old file)."""
        with atomic_write(path, "w") as f:
            f.write(self.to_str())

    @staticmethod
    def from_str(text):
        state = json.loads(text)
        kinds = {"char": CharTokenizer, "bpe": BPETokenizer}
        if state.get("kind") not in kinds:
            raise ValueError(f"tokenizer: unknown kind {state.get('kind')!r}; expected one of {list(kinds)}")
        return kinds[state["kind"]]._from_state(state)

    @staticmethod
    def from_file(path):
        with open(path, encoding="utf-8") as f:
            return _Tokenizer.from_str(f.read())


class CharTokenizer(_Tokenizer):
    """One token per character; the vocabulary is the sorted characters of the training text."""

    kind = "char"

    @classmethod
    def train(cls, text, special_tokens=()):
        chars = sorted(set(text) - set(special_tokens))
        return cls(list(special_tokens) + chars, special_tokens)

    def _split(self, piece):
        unknown = set(piece) - self._id.keys()
        if unknown:
            raise ValueError(f"CharTokenizer.encode: characters {sorted(unknown)[:10]} are not in the vocabulary")
        return list(piece)

    @classmethod
    def _from_state(cls, state):
        return cls(state["vocab"], state["special_tokens"])


class BPETokenizer(_Tokenizer):
    """Byte-pair encoding over characters: ``merges`` is the ordered list of learned pairs."""

    kind = "bpe"

    def __init__(self, vocab, merges, special_tokens=()):
        super().__init__(vocab, special_tokens)
        self.merges = [tuple(m) for m in merges]
        self._rank = {m: r for r, m in enumerate(self.merges)}
        self._cache = {}

    @classmethod
    def train(cls, text, vocab_size, special_tokens=(), min_frequency=2):
        """Learn merges on ``text`` until the vocabulary holds ``vocab_size`` tokens (or no pair
        occurs ``min_frequency`` times). Pair counts are kept up to date incrementally: a merge
        only touches the words that contain the pair."""
        base = sorted(set(text) - set(special_tokens))
        if vocab_size < len(special_tokens) + len(base):
            raise ValueError(f"BPETokenizer.train: vocab_size {vocab_size} is smaller than the special tokens "
                             f"and characters ({len(special_tokens) + len(base)})")
        counts = collections.Counter(_WORDS.findall(text))
        words = [list(w) for w in counts]
        freq = list(counts.values())
        pairs, where = collections.Counter(), collections.defaultdict(set)
        for i, w in enumerate(words):
            for p in zip(w, w[1:]):
                pairs[p] += freq[i]
                where[p].add(i)
        vocab, merges = list(special_tokens) + base, []
        while len(vocab) < vocab_size and pairs:
            best, n = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
            if n < min_frequency:
                break
            merges.append(best)
            new = best[0] + best[1]
            vocab.append(new)
            for i in list(where[best]):
                w = words[i]
                for p in zip(w, w[1:]):               # forget this word's old pairs
                    pairs[p] -= freq[i]
                    if pairs[p] <= 0:
                        del pairs[p]
                merged, j = [], 0
                while j < len(w):
                    if j + 1 < len(w) and (w[j], w[j + 1]) == best:
                        merged.append(new)
                        j += 2
                    else:
                        merged.append(w[j])
                        j += 1
                words[i] = merged
                for p in zip(merged, merged[1:]):     # count its new ones
                    pairs[p] += freq[i]
                    where[p].add(i)
            del where[best]
        return cls(vocab, merges, special_tokens)

    def _word(self, word):
        """Merge a word's symbols, always the pair learned first, until no learned pair is left."""
        if word in self._cache:
            return self._cache[word]
        symbols = list(word)
        while len(symbols) > 1:
            ranked = [(self._rank.get(p, len(self._rank)), k) for k, p in enumerate(zip(symbols, symbols[1:]))]
            r, k = min(ranked)
            if r == len(self._rank):
                break
            symbols[k:k + 2] = [symbols[k] + symbols[k + 1]]
        if len(self._cache) < 100_000:
            self._cache[word] = symbols
        return symbols

    def _split(self, piece):
        unknown = set(piece) - self._id.keys()
        if unknown:
            raise ValueError(f"BPETokenizer.encode: characters {sorted(unknown)[:10]} are not in the vocabulary")
        return [t for w in _WORDS.findall(piece) for t in self._word(w)]

    def _state(self):
        return dict(super()._state(), merges=[list(m) for m in self.merges])

    @classmethod
    def _from_state(cls, state):
        return cls(state["vocab"], state["merges"], state["special_tokens"])


def load_tokenizer(path):
    """A tokenizer saved with ``.save(path)`` (either kind)."""
    return _Tokenizer.from_file(path)
