from repro.book.progress import progress, quiet


def test_quiet_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert quiet() and progress(range(3)).disable
    monkeypatch.delenv("CI")
    monkeypatch.delenv("REPRO_QUIET", raising=False)
    assert not quiet()
    assert list(progress(range(3))) == [0, 1, 2]
