"""Writing a finished run: metrics.json, config.json, PNG figures and an index.html to open."""
from .writer import render, write_index, write_run
