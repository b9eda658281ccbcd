"""The benchmark: `python -m publisher.bench [--sizes 1 100 1000 10000] [--repeat 3] [--no-pandoc] [--editions]`.

For each size it generates a corpus in the seed format from the sample's sentences and headings
(varied lengths, Latin runs; up to 100 articles spread over seven years, as a blog's are, more
over three years, as a newsroom's), then measures, each in a fresh process:

- `full (cold)`: a build into an empty folder with an empty cache;
- `full (warm)`: a build into an empty folder with the cache of the cold build (articles,
  chapters, pages, books, font subsets, covers) kept: what CI gets when it keeps the cache;
- `no-op`: the same build again;
- `one edit`: a rebuild after one article gained a paragraph;
- `floor`: only reading the files, building each chapter with lxml, serialising it and zipping
  all of them: the cost of merely producing the bytes;
- `pandoc` (when installed, unless --no-pandoc): pandoc turning the same articles into one EPUB.

With `--editions`, it times instead the defaults against `editions = "none"` (cold builds and
one-edit rebuilds), round by round in the same run.

It prints the median wall time, min–max, the peak memory of the largest process and of all of
them together (the build uses a worker process per core), and the ratio to the floor.
Times are from one run on a shared machine: compare ratios, not seconds.

The package's modules are compiled to bytecode first, as installing it does: with
PYTHONDONTWRITEBYTECODE set (as on this project's machine), every build of an editable install
would otherwise compile each of its modules from source again (15-40 ms of a build).

The memory of all the processes together is sampled in a round of its own, before the timed
rounds: reading each process's memory map every 20 ms took a core's share that slowed a cold build
of 1,000 articles by 6% (measured), and the single-process floor far less.
"""

from __future__ import annotations

import argparse
import compileall
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

_LATIN_RUNS = ("Border Security", "Europol", "COVID-19", "Frontex", "United Nations", "BBC News")
_FLOOR = """
import sys, zipfile
from pathlib import Path
from lxml import etree
X = "{http://www.w3.org/1999/xhtml}"
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as book:
    for path in sorted(Path(sys.argv[1]).glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        html = etree.Element(X + "html", nsmap={None: X[1:-1]})
        body = etree.SubElement(html, X + "body")
        etree.SubElement(body, X + "h1").text = lines[1]
        for line in lines[2:]:
            etree.SubElement(body, X + "p").text = line
        book.writestr(path.stem + ".xhtml", etree.tostring(html, encoding="utf-8"))
"""


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float
    peak_mb: float
    """The largest process's peak resident memory."""
    total_mb: float
    """The peak of all the processes' memory together (PSS)."""


SAMPLE_NAME = "000_f16a7d7f239613ff.txt"


def sample_path() -> Path:
    """The repository's sample article: beside the package in a checkout, else in ./seeds."""
    for folder in (Path(__file__).resolve().parent.parent / "seeds", Path.cwd() / "seeds"):
        if (folder / SAMPLE_NAME).is_file():
            return folder / SAMPLE_NAME
    raise SystemExit(f"the benchmark's vocabulary is the sample article: run it where seeds/{SAMPLE_NAME} is")


def sample_text() -> tuple[str, list[str], list[str]]:
    """The sample article's title, sentences and headings (the benchmark's vocabulary)."""
    lines = [line.strip() for line in sample_path().read_text(encoding="utf-8").splitlines() if line.strip()]
    headings = [line for line in lines[2:] if not line.endswith((".", "؟", "!"))]
    paragraphs = [line for line in lines[2:] if line not in headings]
    sentences = [part.strip() + "." for paragraph in paragraphs for part in paragraph.split(".") if part.strip()]
    return lines[1], sentences, headings


BLOG_SIZE = 100
"""Corpora up to this size are spread over seven years, as a blog's articles are; larger ones over three."""


def years_of(count: int) -> int:
    return 7 if count <= BLOG_SIZE else 3


def generate(folder: Path, count: int, seed: int = 6) -> None:
    """`count` articles over `years_of(count)` years, 3 to 16 blocks each, some with Latin runs."""
    title, sentences, headings = sample_text()
    randomness = random.Random(seed)
    start = datetime(2026 - years_of(count), 1, 1, 8, 0)
    span = years_of(count) * 365 * 24 * 60
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        moment = start + timedelta(minutes=int(number * span / count))
        blocks = []
        for _ in range(randomness.randint(3, 16)):
            if randomness.random() < 0.2:
                blocks.append(randomness.choice(headings))
                continue
            chosen = randomness.sample(sentences, randomness.randint(1, 5))
            if randomness.random() < 0.3:
                chosen[0] = chosen[0].rstrip(".") + f" ضمن {randomness.choice(_LATIN_RUNS)}."
            blocks.append(" ".join(chosen))
        words = title.split()
        randomness.shuffle(words)
        text = [moment.strftime("%Y-%m-%d %H:%M:%S"), f"{' '.join(words[:8])} {number + 1}", *blocks]
        (folder / f"article_{number + 1:05d}.txt").write_text("\n".join(text) + "\n", encoding="utf-8")


def measure(command: list[str], cwd: Path, *, sample_memory: bool = False) -> Sample:
    """Wall time and peak memory of one child process, and with `sample_memory` of all its processes together.

    GNU time (Debian's `time` package) reports the largest process's own peak: rusage from
    os.wait4 would also count the memory a forked child inherits from this process before it
    execs. The peak of all processes together is sampled every 20 ms as the sum of their
    proportional set sizes (PSS), which splits the pages a forked worker shares with the build
    between them instead of counting them twice.
    """
    timer = Path("/usr/bin/time")
    prefix = [str(timer), "-f", "%M"] if timer.exists() else []
    started = time.perf_counter()
    process = subprocess.Popen([*prefix, *command], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    total_kb = 0
    if sample_memory:
        while process.poll() is None:
            total_kb = max(total_kb, _tree_pss_kb(process.pid))
            time.sleep(0.02)
    process.wait()
    seconds = time.perf_counter() - started
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if process.returncode not in {0, 1}:
        raise SystemExit(f"benchmark step failed: {' '.join(command)}\n{error}")
    peak = int(error.strip().splitlines()[-1]) / 1024 if prefix else float("nan")
    return Sample(seconds, peak, total_kb / 1024 if sample_memory else float("nan"))


def _tree_pss_kb(root: int) -> int:
    """The summed PSS of `root` and every process below it (0 where /proc cannot tell)."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii").split()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
        pending.extend(int(child) for child in children)
    return total


def run_size(count: int, repeat: int, work: Path, with_pandoc: bool) -> dict[str, list[Sample]]:
    corpus = work / str(count)
    seeds, output, state = corpus / "seeds", corpus / "output", corpus / "state.json"
    cache = corpus / ".publisher-cache"  # where the CLI keeps it: beside the state file
    generate(seeds, count)
    build = [sys.executable, "-m", "publisher", "build", "-q", "--seeds", str(seeds), "--output", str(output)]
    build += ["--state", str(state)]
    results: dict[str, list[Sample]] = {}

    def record(name: str, sample: Sample) -> None:
        results.setdefault(name, []).append(sample)

    edited = sorted(seeds.glob("*.txt"))
    trash = corpus / ".trash"
    for round_number in range(repeat + 1):  # round 0 samples the memory; the others are timed
        sampled = round_number == 0
        for leftover in (output, cache, state):
            _set_aside(leftover, trash)
        record("full (cold)", measure(build, corpus, sample_memory=sampled))
        _set_aside(output, trash)
        record("full (warm)", measure(build, corpus, sample_memory=sampled))
        record("no-op", measure(build, corpus, sample_memory=sampled))
        target = edited[(round_number * 7919) % len(edited)]
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"فقرة أضيفت في الجولة {round_number + 1}.\n")
        record("one edit", measure(build, corpus, sample_memory=sampled))
        floor = [sys.executable, "-c", _FLOOR, str(seeds), str(corpus / "floor.zip")]
        record("floor", measure(floor, corpus, sample_memory=sampled))
        if with_pandoc and shutil.which("pandoc"):
            markdown = corpus / "all.md"
            markdown.write_text(_as_markdown(seeds), encoding="utf-8")
            pandoc = ["pandoc", str(markdown), "-o", str(corpus / "pandoc.epub")]
            record("pandoc", measure(pandoc, corpus, sample_memory=sampled))
    return results


EDITION_SETTINGS = (("editions (default)", ""), ('editions = "none"', 'editions = "none"\n'))


def run_editions(count: int, repeat: int, work: Path) -> dict[str, list[Sample]]:
    """The defaults against `editions = "none"`, round by round in the same run: a cold build, an
    edit of an article no edition holds (the oldest), and of one the newest edition holds."""
    corpus = work / f"editions-{count}"
    seeds = corpus / "seeds"
    generate(seeds, count)
    edited = sorted(seeds.glob("*.txt"))
    results: dict[str, list[Sample]] = {}
    trash = corpus / ".trash"
    for round_number in range(repeat):
        for label, settings in EDITION_SETTINGS:
            name = "none" if settings else "default"
            config = corpus / f"{name}.toml"
            config.write_text(settings, encoding="utf-8")
            output, state = corpus / f"output-{name}", corpus / f"state-{name}.json"
            cache = corpus / ".publisher-cache"  # the CLI's, beside the state file: shared, so set aside
            build = [sys.executable, "-m", "publisher", "build", "-q", "--seeds", str(seeds), "--output", str(output)]
            build += ["--state", str(state), "--config", str(config)]
            for leftover in (output, cache, state):
                _set_aside(leftover, trash)
            results.setdefault(f"full (cold), {label}", []).append(measure(build, corpus))
            for which, target in (("old", edited[round_number]), ("newest", edited[-1 - round_number])):
                with target.open("a", encoding="utf-8") as handle:
                    handle.write(f"فقرة أضيفت في الجولة {round_number + 1}.\n")
                results.setdefault(f"one edit ({which} article), {label}", []).append(measure(build, corpus))
    return results


def editions_report(count: int, results: dict[str, list[Sample]]) -> list[str]:
    rows = []
    for name, samples in results.items():
        times = [sample.seconds for sample in samples]
        rows.append(f"| {count:,} | {name} | {statistics.median(times):.2f} | {min(times):.2f}–{max(times):.2f} |")
    return rows


def _set_aside(leftover: Path, trash: Path) -> None:
    """Move an earlier round's output out of the way, to be deleted when the benchmark ends.

    Deleted just before a cold build, its thousand files made that build pay for the deletion:
    on an ext4 file system without a journal (this project's machine), each new file's inode is
    searched for past every inode freed in the last minutes, one lookup each (`recently_deleted`
    in the kernel's ext4_create, 7% of a cold build's samples at 1,000 articles, perf). A fresh
    clone has no such inodes.
    """
    if leftover.exists():
        trash.mkdir(exist_ok=True)
        leftover.rename(trash / f"{len(list(trash.iterdir()))}-{leftover.name}")


def _as_markdown(seeds: Path) -> str:
    parts = []
    for path in sorted(seeds.glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        parts.append(f"# {lines[1]}\n")
        parts.extend(line if line.endswith((".", "؟", "!")) else f"## {line}" for line in lines[2:])
    return "\n\n".join(parts) + "\n"


def report(count: int, results: dict[str, list[Sample]]) -> list[str]:
    floor = statistics.median(sample.seconds for sample in _timed(results["floor"]))
    rows = []
    for name, samples in results.items():
        times = [sample.seconds for sample in _timed(samples)]
        median = statistics.median(times)
        peak = max(sample.peak_mb for sample in samples)
        total = max(sample.total_mb for sample in samples if not math.isnan(sample.total_mb))
        ratio = median / floor if floor else float("nan")
        rows.append(
            f"| {count:,} | {name} | {median:.2f} | {min(times):.2f}–{max(times):.2f} | {peak:.0f} | {total:.0f} "
            f"| {ratio:.1f}× |"
        )
    return rows


def _timed(samples: list[Sample]) -> list[Sample]:
    """The timed rounds' samples: those whose memory was not sampled meanwhile."""
    return [sample for sample in samples if math.isnan(sample.total_mb)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publisher.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pandoc", action="store_true", help="do not time pandoc (Debian's pandoc package)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the corpora here (default: a temp folder)")
    parser.add_argument("--editions", action="store_true", help='time the defaults against editions = "none" instead')
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="publisher-bench-"))
    compileall.compile_dir(Path(__file__).resolve().parent, quiet=1)
    header = "| articles | job | median s | min–max s | largest process MB | all processes MB | × floor |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    if args.editions:
        lines = ["| articles | job | median s | min–max s |", "|---|---|---|---|"]
    try:
        for count in args.sizes:
            if args.editions:
                lines += editions_report(count, run_editions(count, args.repeat, work))
            else:
                lines += report(count, run_size(count, args.repeat, work, not args.no_pandoc))
    finally:  # the rounds' set-aside outputs, up to a few GB at 10,000 articles
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            for trash in work.glob("*/.trash"):
                shutil.rmtree(trash, ignore_errors=True)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
