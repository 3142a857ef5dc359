"""The exercise's judgement: a mistake is named only if every check of the exercise that ran
agrees with it, and a failure found through another function points at the function at fault.

While a check runs, each comparison of a learner's value (``expect_close``, ``diagnose``,
``shown_by``, ``expect(…, mistake=…)``) leaves one piece of :class:`Evidence` on the check's
:class:`CheckRecord`: which declared mistakes the value shows, which it contradicts, and the one
it tells apart from every other declared mistake and from the right answer, if any. When the
round's checks have run, :func:`judge_exercise` goes over each exercise:

1. a name stands only if no call of the exercise contradicts it and some call singles it out
   (a call where the learner's value is right contradicts every mistake whose value differs
   from the right one there: resolved only now, and only for the names in question, so a
   right answer costs nothing);
2. a failing check whose function calls other learner functions says which of them fail their
   own checks (the fault is there) and which pass theirs (``CHECKS.md``, "Which function a check
   is about").
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

Contradicts = Callable[[str], bool]  # for a right answer: does its value differ for this id?


@dataclass(frozen=True)
class Evidence:
    """What one comparison of a learner's value says about each declared mistake."""

    supports: frozenset[str] = frozenset()  # the learner's value is this mistake's value
    contradicts: frozenset[str] = frozenset()  # the value is neither this mistake's nor right
    singles: str | None = None  # the one mistake this value tells apart from all the others
    later: Contradicts | None = None  # a right answer: asked only for a name in question
    function: str | None = None  # the learner function whose value was compared

    def against(self, mistake_id: str) -> bool:
        if mistake_id in self.contradicts:
            return True
        if self.later is None:
            return False
        global _resolving
        _resolving = True
        try:
            return self.later(mistake_id)
        except Exception:  # noqa: BLE001 - a value that asks the learner, or fails: silent
            return False
        finally:
            _resolving = False


@dataclass
class CheckRecord:
    """One check's comparisons, and which learner functions it called, in order."""

    evidence: list[Evidence] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # the Student handle appends to it
    failed_in: str | None = None  # the function whose value the failing comparison judged

    def mark_failure(self) -> None:
        """The comparison that fails judges the value of the last call before it."""
        if self.failed_in is None and self.calls:
            self.failed_in = self.calls[-1]


_current: CheckRecord | None = None
_resolving = False  # a right answer's mistakes are being worked out: no learner call may run


class LearnerCallRefused(Exception):
    """A learner function was called while the judgement worked out a mistake's value."""


def resolving() -> bool:
    return _resolving


def current() -> CheckRecord | None:
    """The running check's record (None outside a graded check)."""
    return _current


def set_current(record: CheckRecord | None) -> None:
    global _current
    _current = record


def note(evidence: Evidence) -> None:
    """Keep a comparison's evidence, as about the function called last before it."""
    if _current is not None:
        function = _current.calls[-1] if _current.calls else None
        _current.evidence.append(replace(evidence, function=function))


def note_failure() -> None:
    if _current is not None:
        _current.mark_failure()


# ---------------------------------------------------------------------------------------------
# the exercise-level pass


class Judged:
    """A check's result as the judge sees it: the plugin adapts its CheckResult to this."""

    record: CheckRecord
    failed: bool
    diagnosis: str | None
    observation: str  # what the value shows ("your value has the opposite sign"), or ""

    def withdraw(self, why: str) -> None:
        """Name no mistake on this check (``why`` says which call stopped it)."""

    def point_at(self, sentence: str) -> None:
        """Add a sentence about which function is at fault."""


def judge_exercise(
    checks: Sequence[Judged],
    source: str | None,
    functions_of: Callable[[str], frozenset[str]],
) -> None:
    """Withdraw every name of the exercise that a call contradicts or no call singles out;
    then point each failure found through another function at the function at fault.
    ``source`` is the learner's file (for which function calls which), ``functions_of`` the
    learner functions a mistake is about (empty when unknown)."""
    if not any(check.failed for check in checks):
        return
    uses = function_uses(source) if source is not None else {}
    evidence = [item for check in checks for item in check.record.evidence]
    for check in checks:
        if check.diagnosis is None:
            continue
        related = _related(evidence, uses, _failed_function(check))
        if any(item.against(check.diagnosis) for item in related):
            check.withdraw("another call of this exercise contradicts it")
        elif not any(item.singles == check.diagnosis for item in related):
            check.withdraw("no call tells it apart from the other mistakes")
    if uses:
        _point_at_faults(checks, uses, functions_of)


def _related(evidence: list[Evidence], uses: dict[str, set[str]], function: str | None) -> list:
    """The evidence that bears on a name given on a check of ``function``: calls of that
    function, of the functions it uses and of those that use it, in the learner's file (a
    right gd_step says nothing about a trajectory that never calls it). All of it when the
    file cannot be read that way."""
    if not uses or function not in uses:
        return evidence
    linked = {function} | uses[function] | {f for f, used in uses.items() if function in used}
    return [item for item in evidence if item.function is None or item.function in linked]


def _failed_function(check: Judged) -> str | None:
    record = check.record
    return record.failed_in or (record.calls[-1] if record.calls else None)


def _own_checks(checks: Sequence[Judged], uses: dict[str, set[str]]) -> dict[str, list[Judged]]:
    """A function's own checks: those that call it and no function that uses it."""
    own: dict[str, list[Judged]] = {}
    for check in checks:
        called = set(check.record.calls)
        for function in called:
            if not any(function in uses.get(other, ()) for other in called - {function}):
                own.setdefault(function, []).append(check)
    return own


def _point_at_faults(
    checks: Sequence[Judged],
    uses: dict[str, set[str]],
    functions_of: Callable[[str], frozenset[str]],
) -> None:
    own = _own_checks(checks, uses)
    failing = {
        function: [c for c in found if c.failed and _failed_function(c) == function]
        for function, found in own.items()
    }
    right = {f for f, found in own.items() if not failing[f] and any(not c.failed for c in found)}
    for check in checks:
        function = _failed_function(check) if check.failed else None
        if function is None or check not in own.get(function, ()):
            continue
        deps = sorted(uses.get(function, set()) & set(own))
        at_fault = [d for d in deps if failing[d]]
        # the deepest ones: a function that fails through another at fault is not named
        at_fault = [d for d in at_fault if not uses.get(d, set()) & set(at_fault)]
        fine = [d for d in deps if d in right]
        if at_fault:
            about = functions_of(check.diagnosis) if check.diagnosis else frozenset()
            if check.diagnosis and not about & set(at_fault):
                check.withdraw(f"the fault is in {_names(at_fault)}")
            check.point_at(_fault_sentence(at_fault, fine, failing))
        elif fine:
            verb = "passes its" if len(fine) == 1 else "pass their"
            check.point_at(
                f"Your {_names(fine)} {verb} own checks, so the fault is in {function} itself."
            )


def _fault_sentence(at_fault: list[str], fine: list[str], failing: dict) -> str:
    first = at_fault[0]
    shown = failing[first][0].observation
    shown = shown.replace("your value", "it", 1) if shown else ""
    verb = "fails its own check" if len(at_fault) == 1 else "fail their own checks"
    sentence = f"The fault is in {_names(at_fault)}, which {verb}"
    sentence += f" ({shown})" if shown else ""
    if fine:
        sentence += f"; your {_names(fine)} {'is' if len(fine) == 1 else 'are'} right"
    return sentence + "."


def _names(functions: Iterable[str]) -> str:
    names = list(functions)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------------------------------------
# which function calls which


def function_uses(source: str) -> dict[str, set[str]]:
    """For each top-level function of ``source``, the other top-level functions it uses,
    directly or through others (a name read in its body: a call, or passed as a callback).
    Empty when the source cannot be parsed."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    names = {node.name for node in functions}
    direct = {
        node.name: {
            inner.id
            for inner in ast.walk(node)
            if isinstance(inner, ast.Name) and inner.id in names and inner.id != node.name
        }
        for node in functions
    }
    closed = {name: set(found) for name, found in direct.items()}
    changed = True
    while changed:
        changed = False
        for name, found in closed.items():
            more = set().union(*(closed.get(other, set()) for other in found)) - found - {name}
            if more:
                found |= more
                changed = True
    return closed
