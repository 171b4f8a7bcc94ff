"""The King James text loader, run against a stand-in `bible` program that prints the package's
format; and the toy language."""
import stat

import pytest

from chainrule.data.datasets import kjv, toy_language

FAKE = """#!/bin/sh
cat <<'TXT'

Genesis 1

  1 In the beginning God created the heaven and the earth.
  2 And the earth was without form, and void.

Genesis 2

  1 Thus the heavens and the earth were finished.
TXT
"""


def test_kjv_reads_the_bible_programs_output(tmp_path):
    exe = tmp_path / "bible"
    exe.write_text(FAKE)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    text = kjv("gen1:1-2:1", program=str(exe))
    assert text.splitlines() == ["In the beginning God created the heaven and the earth.",
                                 "And the earth was without form, and void.",
                                 "Thus the heavens and the earth were finished."]


def test_kjv_says_where_it_looked_and_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="apt install bible-kjv") as e:
        kjv()
    assert str(tmp_path) in str(e.value)


def test_toy_language_is_deterministic_sentences():
    a, b = toy_language(500, seed=1), toy_language(500, seed=1)
    assert a == b and len(a) == 500 and a != toy_language(500, seed=2)
    assert ". " in a and a[0].isupper()
