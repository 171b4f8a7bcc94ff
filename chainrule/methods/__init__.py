"""Training procedures that are more than one model: adversarial attacks and defences, policy
gradient and actor-critic for reinforcement learning, life-long learning regularizers, meta-learning
(MAML), domain-adversarial training, knowledge distillation.

Each is a function or small class over models, losses and optimizers, usable from a
``Trainer`` training step. Layering: methods import ``models``, ``nn``, ``optim``, ``train`` and
below — never ``lectures``.
"""
