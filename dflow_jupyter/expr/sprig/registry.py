"""The ``sprig`` map of Argo's expression env: every function, and those dflow_jupyter refuses."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.expr.golang import GoPanic
from dflow_jupyter.expr.sprig.core import GoFunc
from dflow_jupyter.expr.sprig.data import DATA, NUMERIC
from dflow_jupyter.expr.sprig.text import TEXT


def _unsupported(name: str) -> GoFunc:
    def call(*_: Any) -> Any:
        raise GoPanic(
            f"sprig.{name} is not supported by dflow_jupyter's expression engine "
            "(dates, randomness, crypto, semver, network and environment are out of scope)"
        )

    return call


_UNSUPPORTED_NAMES = (
    "ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate "
    "htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch randAlphaNum "
    "randAlpha randAscii randNumeric randBytes randInt uuidv4 shuffle getHostByName bcrypt "
    "htpasswd genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert "
    "genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES semver "
    "semverCompare urlParse urlJoin swapcase snakecase camelcase kebabcase wrap wrapWith abbrev "
    "abbrevboth"
)
UNSUPPORTED: dict[str, GoFunc] = {name: _unsupported(name) for name in _UNSUPPORTED_NAMES.split()}

#: Every ``sprig.*`` function Argo exposes, minus ``env``/``expandenv`` (Argo deletes those).
SPRIG: dict[str, Any] = {**UNSUPPORTED, **NUMERIC, **DATA, **TEXT}
SPRIG.update(
    {"os" + name[0].upper() + name[1:]: SPRIG[name] for name in ("base", "dir", "clean", "ext", "isAbs")}
)
