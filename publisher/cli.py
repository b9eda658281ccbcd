"""The command line: parse arguments, call the library once, turn errors into one line each."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import BuildResult, build
from .config import load_config
from .errors import ConfigError, PublisherError, display_path
from .render import CHAPTER_FOLDER

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publisher",
        description="Publish right-to-left articles as Atom and RSS feeds, web pages and an EPUB 3 book.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build_command = commands.add_parser(
        "build",
        help="read the articles and (re)write every output",
        description="Read every *.txt article in the seeds folder and write the feeds, pages and EPUB.",
        epilog="Exit status: 0 all published, 1 some articles rejected (the rest are published), "
        "2 usage or configuration error, 3 an output could not be written.",
    )
    build_command.add_argument(
        "--seeds", type=Path, default=Path("seeds"), metavar="DIR", help="folder of articles to read (default: seeds)"
    )
    build_command.add_argument(
        "--output", type=Path, default=Path("output"), metavar="DIR", help="folder to write into (default: output)"
    )
    build_command.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="TOML configuration file (default: publisher.toml if it exists, else built-in defaults)",
    )
    verbosity = build_command.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print progress details")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_request:  # argparse's way to end on --help or a usage error
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_USAGE
    _configure_logging(quiet=args.quiet, verbose=args.verbose)
    try:
        config = load_config(args.config)
        result = build(args.seeds, args.output, config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except PublisherError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    for rejection in result.rejected:
        print(rejection, file=sys.stderr)
    if not args.quiet:
        print(summary(result, args.output))
    return EXIT_REJECTED if result.rejected else EXIT_OK


def summary(result: BuildResult, output: Path) -> str:
    counts = f"published {_plural(result.published, 'article')}, rejected {len(result.rejected)}"
    if not result.outputs:
        return f"{counts}; nothing written"
    pages = [path for path in result.outputs if path.parent.name == CHAPTER_FOLDER]
    others = [display_path(path) for path in result.outputs if path not in pages]
    written = ", ".join([*others, f"{display_path(output / CHAPTER_FOLDER)}/ ({_plural(len(pages), 'page')})"])
    return f"{counts}; wrote {written} ({_plural(len(result.changed), 'file')} changed)"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _configure_logging(*, quiet: bool, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("publisher")
    root.handlers[:] = [handler]
    root.propagate = False
    root.setLevel(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)
