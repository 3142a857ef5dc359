"""Benchmark: how long building Anki decks takes, against the cost of importing the libraries.

    python benchmarks/bench_decks.py [--runs N] [--notes 2000]

Measured in one run, median of N, every ratio against the floor measured in the same run:
- the floor: `python -c "import genanki, markdown_it"` (a fresh interpreter importing the two
  libraries every build needs; nothing is built);
- cold CLI builds (`gdkit decks build -o TMP [--no-figures]` in a fresh interpreter, as a learner
  runs it) of the week-2 deck, with and without figures;
- a generated 2,000-note deck (Q&A with math, lists and tables, and clozes): a cold first build
  (parse + render + package), and a cold rebuild after one note in 20 had its question edited
  (each such note is matched to its old self by similarity), each run interleaved with one of
  the genanki-only floor (below), wall and CPU time;
- the similarity matching alone (in process), for those 100 edited notes and for the worst case
  of every question edited (a 2,000 × 2,000 comparison), to show it is not quadratic-slow;
- warm in-process builds of the week-2 deck (imports already paid), figures / no figures;
- import hygiene of the learner's `grade` path: `import gdref, grader.cli` must not load
  matplotlib or genanki (reported; the test suite enforces it in tests/decks).

The targets (issue 21): the generated deck's cold first build and its cold rebuild (identity
matching included) at most 3.0× the genanki-only floor — a fresh interpreter that imports
genanki and packages the same 2,000 notes, already rendered to HTML, with the same note types —
and the week-2 deck with figures in at most 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent


def compile_bytecode() -> None:
    """Byte-compile gdkit's own packages (into their __pycache__ folders), as installing gdkit
    does: the libraries it is compared with were byte-compiled when they were installed, and
    where PYTHONDONTWRITEBYTECODE is set a clone's modules would otherwise be compiled from
    source on every cold run (about 0.1 s of CPU for a build)."""
    import compileall

    for package in ("decks", "gdref", "gdkit"):
        if (ROOT / package).is_dir():
            compileall.compile_dir(ROOT / package, quiet=1)


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _median(fn, runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def cold_cli(figures: bool, runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of a cold ``gdkit decks build`` of the week-2 deck."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            cmd = [PYTHON, "-c", "from decks.cli import decks; decks()", "build", "-o", out]
            if not figures:
                cmd.append("--no-figures")
            times.append(_timed(cmd))
    return statistics.median(w for w, _ in times), statistics.median(c for _, c in times)


def warm_build(figures: bool, runs: int) -> tuple[float, int, int]:
    from decks.build import build

    counts = (0, 0)

    def once() -> float:
        nonlocal counts
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            (result,) = build([], Path(out), figures=figures)
            elapsed = time.perf_counter() - start
            counts = (result.note_count, result.card_count)
            return elapsed

    once()  # pay the imports (matplotlib, genanki) outside the measurement
    return _median(once, runs), *counts


BASE_WORDS = (
    "gradient step loss rate momentum batch epoch sigmoid logistic convex minimum saddle "
    "curvature parameter weight bias update schedule decay noise variance mean estimate "
    "descent ascent slope plateau basin overshoot oscillation convergence tolerance budget"
).split()


def _vocabulary(size: int = 3000) -> list[str]:
    """Course words plus made-up terms, so that notes differ as much as real notes do."""
    rng = random.Random(1)
    syllables = "ka lo mi nu re sa ti vo xe zu pra dre gli sto".split()
    made_up = {"".join(rng.choices(syllables, k=3)) for _ in range(size)}
    return BASE_WORDS + sorted(made_up)


def generated_source(notes: int, edited_every: int = 0) -> str:
    """A deck of ``notes`` distinct notes in the week-2 style (Q&A with math and lists, a table
    now and then, clozes); with ``edited_every``, every such note has a typo fixed in its
    question (so its GUID changes and similarity has to find it)."""
    rng = random.Random(2)
    words = _vocabulary()
    parts = ["TARGET DECK: Bench::Generated", "FILE TAGS: bench", ""]
    for i in range(notes):
        if i % 50 == 0:
            parts += [f"## Section {i // 50}", ""]
        topic = " ".join(rng.sample(words, 4))
        detail = " ".join(rng.sample(words, 9))
        typo = "lerning" if not (edited_every and i % edited_every == 0) else "learning"
        if i % 10 == 9:
            parts += [
                f"In {topic}, the {typo} rate {{{{c1::$\\eta_{{{i}}}$}}}} scales "
                f"{{{{c2::{detail}}}}}.",
                "",
            ]
            continue
        parts += [
            f"How does the {typo} rate affect {topic}?",
            f"It scales the step $\\theta_{{{i + 1}}} = \\theta_{{{i}}} - \\eta g$: {detail}.",
            "",
            f"- too small: {' '.join(rng.sample(words, 3))}",
            "- too large: it oscillates, as $|1 - \\eta \\lambda| > 1$",
            "",
        ]
        if i % 25 == 0:
            parts += ["| η | outcome |", "|---|---|", f"| 0.{i % 9 + 1} | {topic} |", ""]
    return "\n".join(parts) + "\n"


GENANKI_FLOOR = """
import json, sys
import genanki
data = json.load(open(sys.argv[1], encoding="utf-8"))
models = {
    kind: genanki.Model(
        t["id"], t["name"], fields=[{"name": f} for f in t["fields"]], templates=t["templates"],
        css=t["css"], model_type=genanki.Model.CLOZE if t["cloze"] else genanki.Model.FRONT_BACK,
    )
    for kind, t in data["types"].items()
}
deck = genanki.Deck(data["deck_id"], data["deck"])
for n in data["notes"]:
    deck.add_note(genanki.Note(model=models[n["kind"]], fields=n["fields"], guid=n["guid"],
                               tags=n["tags"]))
genanki.Package(deck).write_to_file(sys.argv[2])
"""


def _cpu_of_children() -> float:
    """CPU seconds (user + system) of the finished child processes so far (0 where the
    platform cannot say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmd``."""
    cpu = _cpu_of_children()
    wall = _wall(cmd)
    return wall, _cpu_of_children() - cpu


def _floor_input(notes: int, folder: Path) -> Path:
    """The generated deck's notes as gdkit renders them, and its note types, as JSON: what the
    genanki-only floor packages."""
    from decks.build import plan
    from decks.notetypes import note_types

    source = folder / "floor.md"
    source.write_text(generated_source(notes), encoding="utf-8")
    (built,) = plan([source], folder / "plan", figures=False)
    types = {
        kind: {
            "id": t.model_id,
            "name": t.name,
            "fields": list(t.fields),
            "templates": [dict(x) for x in t.templates],
            "css": t.css,
            "cloze": t.is_cloze,
        }
        for kind, t in note_types().items()
    }
    data = {
        "deck": built.deck,
        "deck_id": built.deck_id,
        "types": types,
        "notes": [
            {"kind": n.kind, "fields": list(n.fields), "guid": n.guid, "tags": list(n.tags)}
            for n in built.notes
        ],
    }
    path = folder / "notes.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def generated_against_genanki(notes: int, runs: int) -> dict[str, tuple[float, float]]:
    """Cold runs, interleaved so that a busy machine weighs on each alike: the genanki-only floor
    (a fresh interpreter imports genanki and packages the generated deck's notes, already
    rendered, with the same note types), gdkit's first build of the deck, and its rebuild after
    1 note in 20 had its question edited (identity matching included). Median (wall, CPU)
    seconds of each."""
    folder = Path(tempfile.mkdtemp(prefix="gdkit-bench-"))
    try:
        floor_cmd = [PYTHON, "-c", GENANKI_FLOOR, str(_floor_input(notes, folder)), "x.apkg"]
        floor_cmd[-1] = str(folder / "g.apkg")
        source = folder / "generated.md"
        cmd = [PYTHON, "-c", "from decks.cli import decks; decks()", "build", str(source)]
        cmd += ["-o", str(folder / "out")]
        times: dict[str, list[tuple[float, float]]] = {"floor": [], "first": [], "rebuild": []}
        for _ in range(runs):
            times["floor"].append(_timed(floor_cmd))
            shutil.rmtree(folder / "out", ignore_errors=True)
            source.write_text(generated_source(notes), encoding="utf-8")
            times["first"].append(_timed(cmd))
            source.write_text(generated_source(notes, edited_every=20), encoding="utf-8")
            times["rebuild"].append(_timed(cmd))
        return {
            name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
            for name, got in times.items()
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def matching_alone(notes: int, runs: int) -> tuple[float, float, int]:
    """In-process time of the similarity matching: 1 in 20 edited, and all edited."""
    from decks.build import plan
    from decks.identity import Candidate, Manifest, assign

    folder = Path(tempfile.mkdtemp(prefix="gdkit-bench-"))
    try:
        source = folder / "generated.md"
        source.write_text(generated_source(notes), encoding="utf-8")
        (old,) = plan([source], folder, figures=False)
        previous = Manifest(old.deck, old.deck_id, "x.apkg", old.manifest.notes, {})
        timings, matched = [], 0
        for every in (20, 1):
            source.write_text(generated_source(notes, edited_every=every), encoding="utf-8")
            (new,) = plan([source], folder / "none", figures=False)  # no manifest: no matching
            candidates = [
                Candidate(
                    r.source_guid,
                    r.hash,
                    r.question,
                    r.origin,
                    kind=r.kind,
                    fields=r.fields,
                    tags=r.tags,
                    text=r.text,
                )
                for r in new.manifest.notes.values()
            ]

            def once(candidates: list = candidates) -> float:
                start = time.perf_counter()
                assign(candidates, previous, 2_000_000_000)
                return time.perf_counter() - start

            timings.append(_median(once, runs))
            if every == 20:
                _, diff = assign(candidates, previous, 2_000_000_000)
                matched = len(diff.matched)
        return timings[0], timings[1], matched
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def grade_path_modules() -> str:
    code = (
        "import importlib.util, sys\n"
        "if importlib.util.find_spec('grader.cli') is None:\n"
        "    print('grader.cli not present'); raise SystemExit\n"
        "import gdref, grader.cli\n"
        "bad = [m for m in ('matplotlib', 'genanki', 'decks') if m in sys.modules]\n"
        "print('clean' if not bad else 'LOADS ' + ', '.join(bad))\n"
    )
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--notes", type=int, default=2000, help="notes in the generated deck")
    parser.add_argument("--targets", action="store_true", help="measure the targets only (faster)")
    args = parser.parse_args()
    runs = max(1, args.runs)
    compile_bytecode()

    against = generated_against_genanki(args.notes, runs)
    cli_figures = cold_cli(True, runs)
    if args.targets:
        _targets(against, cli_figures)
        return
    floor = _median(lambda: _wall([PYTHON, "-c", "import genanki, markdown_it"]), runs)
    cli_plain, _ = cold_cli(False, runs)
    (big_first, _), (big_rebuild, _) = against["first"], against["rebuild"]
    big_notes = args.notes
    match_some, match_all, matched = matching_alone(args.notes, runs)
    warm_figures, notes_f, cards_f = warm_build(True, runs)
    warm_plain, notes_p, cards_p = warm_build(False, runs)

    def ratio(seconds: float) -> str:
        return f"{seconds / floor:.1f}×"

    rows = [
        ("floor: python -c 'import genanki, markdown_it'", floor, "1.00×", ""),
        (
            "week-2 build (cold, figures)",
            cli_figures[0],
            ratio(cli_figures[0]),
            f"{notes_f} notes / {cards_f} cards",
        ),
        (
            "week-2 build --no-figures (cold)",
            cli_plain,
            ratio(cli_plain),
            f"{notes_p} notes / {cards_p} cards",
        ),
        ("generated deck, first build (cold)", big_first, ratio(big_first), f"{big_notes} notes"),
        (
            "generated deck, rebuild, 1 in 20 edited",
            big_rebuild,
            ratio(big_rebuild),
            f"{matched} matched by similarity",
        ),
        ("similarity: assign(), 1 in 20 edited", match_some, "", "in process"),
        ("similarity: assign(), every note edited", match_all, "", "worst case, in process"),
        ("week-2 build() in process, figures", warm_figures, "", ""),
        ("week-2 build() in process, no figures", warm_plain, "", ""),
    ]
    print(f"deck builds, median of {runs} runs")
    print(f"{'measurement':<48} {'seconds':>8} {'vs floor':>9}  notes")
    for name, seconds, ratio_text, extra in rows:
        print(f"{name:<48} {seconds:>8.3f} {ratio_text:>9}  {extra}")
    print(f"figures cost (warm): {warm_figures - warm_plain:.3f} s")
    print(f"rebuild / first build of the generated deck: {big_rebuild / big_first:.2f}")
    print(f"grade path (import gdref, grader.cli): {grade_path_modules()}")
    _targets(against, cli_figures)


def _targets(against: dict[str, tuple[float, float]], cli_figures: tuple[float, float]) -> None:
    floor_wall, floor_cpu = against["floor"]
    print(f"genanki-only floor, the same notes (cold): {floor_wall:.3f} s (CPU {floor_cpu:.3f} s)")
    for name, key in (("first build", "first"), ("rebuild, 1 in 20 edited", "rebuild")):
        wall, cpu = against[key]
        by_cpu = cpu / floor_cpu if floor_cpu else float("nan")
        verdicts = [
            f"{'met' if ratio <= 3.0 else 'NOT met'} in {what} ({ratio:.3f}×)"
            for what, ratio in (("CPU", by_cpu), ("wall", wall / floor_wall))
        ]
        print(
            f"target generated deck {name} ≤ 3.0× genanki-only: {', '.join(verdicts)}; "
            f"{cpu:.3f} s CPU, {wall:.3f} s wall"
        )
    wall, cpu = cli_figures
    print(
        f"target week-2 deck with figures ≤ 1.5 s: {'met' if cpu <= 1.5 else 'NOT met'} in CPU "
        f"time ({cpu:.3f} s), {'met' if wall <= 1.5 else 'NOT met'} in wall time ({wall:.3f} s; "
        "on a busy machine most of it is waiting for a core)"
    )


if __name__ == "__main__":
    main()
