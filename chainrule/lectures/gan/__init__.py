"""Lecture 11 — generative adversarial networks: why the original objective stalls and how WGAN
fixes it, mode collapse (``toy``: small 1-D and 2-D problems where the answer is known), and GANs
that draw images — DCGAN, conditional GAN, CycleGAN (``images``)."""
TITLE = "Lecture 11 — GAN: the min-max game, JS vs Wasserstein, mode collapse, DCGAN, conditional and CycleGAN"
ORDER = 11

from . import images, toy  # noqa: E402,F401  (register the experiments)
