"""Learner tools: numerical gradient checks and a view of the graph."""
from . import data, graph
from .gradcheck import GradcheckError, gradcheck

__all__ = ["gradcheck", "GradcheckError", "graph"]
