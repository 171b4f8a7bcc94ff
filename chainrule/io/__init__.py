"""Safe saving and loading (safetensors, atomic writes) and training checkpoints."""
from .atomic import atomic_write
from .serialization import load, save
