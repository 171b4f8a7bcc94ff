"""Reusable models of the course, one file per family, each reading top to bottom like its paper
(cited in the file's docstring), built from ``chainrule.nn`` with constructor arguments or a config.

Families land here with their issues: CNNs (LeNet, VGG, ResNet, ...), recurrent networks, the
Transformer, GAN/VAE/flow/diffusion, BERT/GPT. Layering: models import ``nn``, ``ops`` and below —
never ``lectures`` (experiments use models, not the other way round) and never ``train``.
"""
from . import decoding
from .transformer import NonAutoregressiveTransformer, Seq2SeqConfig, Seq2SeqTransformer
from .hmm import HMM
from .jordan import JordanRNN
