"""Lecture 9 — self-supervised learning: GPT learns by predicting the next token, BERT by filling
in masked ones; either is then fine-tuned (the four BERT cases), adapted with a few extra
parameters (BitFit, adapters, prefix, LoRA) or prompted in context (``corpus``: the text, the
tasks and the pre-training; ``bert``: pre-training and fine-tuning; ``generative``: GPT)."""
TITLE = "Lecture 9 — Self-supervised learning: GPT, BERT, fine-tuning vs prompting, adapters"
ORDER = 9

from . import bert, generative  # noqa: E402,F401  (register the experiments)
