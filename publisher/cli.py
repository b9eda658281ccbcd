"""The command line: parse arguments, call the library once, turn errors into one line each."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import ConfigError, PublisherError, display_path
from .state import STATE_NAME, state_path_for

if TYPE_CHECKING:
    from .build import BuildResult

# Only the standard library and small modules of our own are imported up front: `publisher
# --help` must not pay for the libraries a build uses. Each command imports what it runs.

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publisher",
        description="Publish right-to-left articles as Atom, RSS and JSON feeds, web pages and EPUB 3 books.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--seeds", type=Path, default=Path("seeds"), metavar="DIR", help="folder of articles to read (default: seeds)"
    )
    common.add_argument(
        "--output", type=Path, default=Path("output"), metavar="DIR", help="folder to write into (default: output)"
    )
    common.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="TOML configuration file (default: publisher.toml if it exists, else built-in defaults)",
    )
    common.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"where ids and edit times are remembered (default: {STATE_NAME} beside the configuration)",
    )
    common.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another build writing the same output folder (default: 60)",
    )
    verbosity = common.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print progress details")

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "build",
        parents=[common],
        help="read the articles and (re)write every output",
        description="Read every *.txt article in the seeds folder and write the feeds, pages and books.",
        epilog="Exit status: 0 all published, 1 some articles rejected (the rest are published), "
        "2 usage or configuration error, 3 an output could not be written.",
    )
    commands.add_parser(
        "check",
        parents=[common],
        help="read and validate every article without writing anything",
        description="Read every *.txt article in the seeds folder and report the ones that cannot be "
        "published, with the same messages and exit status as build; writes nothing (for pre-commit hooks and CI).",
    )
    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the output folder over HTTP for local subscription and preview",
        description="Serve the output folder (only it) over HTTP until interrupted.",
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    serve.add_argument("--watch", action="store_true", help="rebuild whenever the seeds or the configuration change")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_request:  # argparse's way to end on --help or a usage error
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_USAGE
    _configure_logging(quiet=args.quiet, verbose=args.verbose)
    commands = {"build": _run_build, "check": _check, "serve": _serve}
    try:
        return commands[args.command](args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except PublisherError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run_build(args: argparse.Namespace) -> int:
    result = _build(args)
    for rejection in result.rejected:
        print(rejection, file=sys.stderr)
    if not args.quiet:
        print(summary(result, args.output))
    return EXIT_REJECTED if result.rejected else EXIT_OK


def _build(args: argparse.Namespace) -> BuildResult:
    from .build import build  # noqa: PLC0415
    from .cache import CACHE_NAME  # noqa: PLC0415
    from .config import load_config  # noqa: PLC0415

    config = load_config(args.config)
    state = args.state if args.state is not None else state_path_for(args.config)
    cache = state.parent / CACHE_NAME
    with _progress_bar(args) as progress:
        return build(args.seeds, args.output, config, state_path=state, wait=args.wait, cache=cache, progress=progress)


@contextlib.contextmanager
def _progress_bar(args: argparse.Namespace) -> Iterator[Callable[[str], None] | None]:
    """A bar naming each stage, on a terminal only; -q silences it and -v shows timings instead."""
    if args.quiet or args.verbose or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415  # here: only an interactive build pays for it
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("publishing", total=None)
        yield lambda stage: bar.update(task, description=stage)


def _check(args: argparse.Namespace) -> int:
    from .build import check  # noqa: PLC0415
    from .config import load_config  # noqa: PLC0415

    readable, rejected = check(args.seeds, load_config(args.config))
    for rejection in rejected:
        print(rejection, file=sys.stderr)
    if not args.quiet:
        print(
            f"checked {_plural(readable + len(rejected), 'article')}: {readable} publishable, {len(rejected)} rejected"
        )
    return EXIT_REJECTED if rejected else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .config import DEFAULT_CONFIG_FILE  # noqa: PLC0415
    from .serve import make_server, watch  # noqa: PLC0415

    server = make_server(args.output, args.bind, args.port)
    stop = threading.Event()
    if args.watch:

        def rebuild() -> None:
            try:
                result = _build(args)
            except PublisherError as error:
                print(f"error: {error}", file=sys.stderr)
                return
            for rejection in result.rejected:
                print(rejection, file=sys.stderr)
            if not args.quiet:
                print(summary(result, args.output))

        rebuild()
        watched = [args.seeds, args.config if args.config is not None else DEFAULT_CONFIG_FILE]
        threading.Thread(target=watch, args=(watched, rebuild, stop), daemon=True).start()
    host, port = server.server_address[:2]
    address = host.decode() if isinstance(host, bytes) else host
    print(f"serving {display_path(args.output)} at http://{address}:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return EXIT_OK


def summary(result: BuildResult, output: Path) -> str:
    counts = f"published {_plural(result.published, 'article')}, rejected {len(result.rejected)}"
    if not result.outputs:
        return f"{counts}; nothing written"
    books = sum(path.suffix == ".epub" for path in result.outputs)
    return (
        f"{counts}; {_plural(len(result.outputs), 'file')} in {display_path(output)}/ "
        f"({_plural(books, 'book')}), {len(result.changed)} changed"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _configure_logging(*, quiet: bool, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("publisher")
    root.handlers[:] = [handler]
    root.propagate = False
    root.setLevel(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)
