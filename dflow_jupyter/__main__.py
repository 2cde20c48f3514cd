"""``python -m dflow_jupyter``: the demo and the ``%dflow`` subcommands from a terminal."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["demo"]:
        from dflow_jupyter.demo import main as demo

        return demo()
    from dflow_jupyter.jupyter.commands import main as commands

    return commands(args)


if __name__ == "__main__":
    sys.exit(main())
