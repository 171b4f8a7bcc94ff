"""Vision utilities below the models: box operations, IoU, anchors, non-maximum suppression and the
other detection pieces the object-detection lecture needs, as torchvision.ops names them.

Layering: vision imports ``ops``, ``nn`` and ``data`` — never ``models`` ... nor ``lectures``.
"""
from . import detection, ops
