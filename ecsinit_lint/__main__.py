"""The `ecsinit-lint` command and `python -m ecsinit_lint`."""

import gc


def main() -> None:
    # A one-file lint is mostly start-up, and what it imports lives until exit: the collector
    # would walk it some 30 times while importing and once more at exit. So it is off while
    # importing, then sees only the objects made after: a fifth of a one-file lint's time.
    gc.disable()
    from .cli.app import main as cli

    gc.freeze()
    gc.enable()
    cli()


if __name__ == "__main__":
    main()
