"""Reports: the results model, the one place learner text is made safe, and the renderers.

``results`` is what a grading run found (per check, per exercise, per submission), sanitised
where text enters it by ``sanitize``; ``render`` turns a report into a registered format
(``renderers/``: text, JSON, Gradescope, JUnit); ``schemas/`` holds the formats' schemas.
"""

from grader._lazy import exports

__all__ = ["Report", "ExerciseResult", "CheckResult", "render"]
__getattr__ = exports(
    __name__,
    {
        "Report": "results",
        "ExerciseResult": "results",
        "CheckResult": "results",
        "render": "render",
    },
)
