"""``chainrule.utils.gradcheck``: the numerical gradient check, kept here for learners' scripts;
it lives in ``chainrule.autograd`` as in PyTorch (``torch.autograd.gradcheck``)."""
from ..autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
