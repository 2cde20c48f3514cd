"""A missing browser set-up skips the tests, and fails them under CI (never a silent skip there)."""

from __future__ import annotations

import pytest

from browser.kernels import SETUP, require


def test_a_missing_piece_skips_naming_the_setup_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=SETUP):
        require("/usr/bin/chromium")


def test_a_missing_piece_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="/usr/bin/chromium"):
        require("/usr/bin/chromium")
