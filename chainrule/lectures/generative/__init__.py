"""Lecture 12 — generative models that give a likelihood: the VAE and its relatives (``vae``: the
ELBO, the reparameterization trick, CVAE, β-VAE), flows with an exact likelihood (``flow``) and
diffusion, which learns to remove noise step by step (``diffusion``)."""
TITLE = "Lecture 12 — VAE, flow and diffusion: likelihood-based generative models"
ORDER = 12

from . import diffusion, flow, vae  # noqa: E402,F401  (register the experiments)
