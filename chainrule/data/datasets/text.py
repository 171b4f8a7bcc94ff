"""Text for the language-model lectures: the King James Bible (public domain) as Debian's
``bible-kjv`` package ships it, read through its ``bible`` program, and a generated toy language
for tests and quick runs."""
import os
import re
import shutil
import subprocess

import numpy as np

KJV_INSTALL = "apt install bible-kjv"
_VERSE = re.compile(r"^\s*\d+\s+(.*)$")


def kjv(spec="gen1:1-50:26", program=None):
    """The text of the verses ``spec`` (the ``bible`` program's syntax: ``gen1:1-50:26`` is all
    of Genesis), chapter headings and verse numbers removed, one verse per line."""
    exe = program or shutil.which("bible")
    if exe is None:
        raise FileNotFoundError(f"kjv: the King James text comes from Debian's bible-kjv package (its `bible` "
                                f"program and /usr/lib/bible.data); no `bible` on PATH "
                                f"({os.environ.get('PATH', '')}) — install it with `{KJV_INSTALL}`")
    env = dict(os.environ, COLUMNS="1000000")        # one verse per line, no wrapping
    try:
        out = subprocess.run([exe, spec], capture_output=True, text=True, env=env, timeout=120, check=True).stdout
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as e:
        raise FileNotFoundError(f"kjv: running {exe} {spec!r} failed ({e}); reinstall with `{KJV_INSTALL}`") from None
    verses = [m.group(1).strip() for m in map(_VERSE.match, out.splitlines()) if m]
    if not verses:
        raise ValueError(f"kjv: {exe} {spec!r} printed no verses; is the verse spec right?")
    return "\n".join(verses) + "\n"


def toy_language(n_chars, seed=0):
    """A small generated language: sentences of 3–8 words from a fixed 40-word lexicon whose words
    follow one another by a fixed bigram table — structure a character model can learn."""
    rng = np.random.default_rng(1234)
    syll = ["ka", "to", "ri", "mu", "se", "lo", "na", "pe", "di", "go"]
    lexicon = sorted({"".join(rng.choice(syll, rng.integers(1, 4))) for _ in range(200)})[:40]
    nxt = rng.dirichlet(np.ones(len(lexicon)) * 0.2, size=len(lexicon))
    draw = np.random.default_rng(seed)
    out, size = [], 0
    while size < n_chars:
        w = draw.integers(len(lexicon))
        words = []
        for _ in range(draw.integers(3, 9)):
            words.append(lexicon[w])
            w = draw.choice(len(lexicon), p=nxt[w])
        sentence = " ".join(words).capitalize() + ". "
        out.append(sentence)
        size += len(sentence)
    return "".join(out)[:n_chars]
