"""A missing browser set-up fails the tests, naming what is missing and the script that installs it."""

from __future__ import annotations

import pytest

from browser.kernels import SETUP, require


@pytest.mark.parametrize("ci", ["true", None])
def test_a_missing_piece_fails_naming_it_and_the_setup_script(
    monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="/usr/bin/chromium") as failed:
        require("/usr/bin/chromium")
    assert SETUP in str(failed.value)
