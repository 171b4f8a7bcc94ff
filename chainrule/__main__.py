"""``python -m chainrule`` is the ``chainrule`` command (list, run, report)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
