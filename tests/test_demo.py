"""The README demo really learns XOR."""
from chainrule.demo import main, train_xor


def test_xor_is_learned_and_the_loss_falls():
    losses, p = train_xor(steps=1500, log=None)
    assert losses[-1] < 0.05 < losses[0]
    assert [round(v) for v in p.reshape(-1).tolist()] == [0, 1, 1, 0]


def test_demo_prints_the_falling_loss(capsys):
    main()
    out = capsys.readouterr().out
    assert "loss fell from" in out and "[0, 1, 1, 0]" in out
