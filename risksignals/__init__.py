"""risksignals: find risk signals in anonymised Norwegian youth social-media text.

For staff training, trend statistics and notebooks; not for watching people.

Public API (imported lazily so ``risksignals scan`` starts fast)::

    import risksignals
    risksignals.scan("har du skoen min i dag? 🍫")     # lexicon evidence, highlighted in Jupyter
    det = risksignals.Detector.default()               # the shipped model, offline
    det.classify(df, text_column="text")               # labels, scores, evidence, error
    risksignals.load_examples()                        # the labelled example corpus
    risksignals.trends(df, text_column=..., date_column=..., freq="M")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["scan", "Detector", "trends", "load_examples", "RisksignalsError", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from risksignals.datasets import load_examples
    from risksignals.errors import RisksignalsError
    from risksignals.signals.detector import Detector
    from risksignals.prevalence import trends


def scan(text: str, *, lexicon: Any = None):
    """Lexicon matches in ``text`` (signal, entry, span, form, meaning), highlighted in Jupyter.

    ``lexicon``: a :class:`~risksignals.lexicons.Lexicon` (default: the shipped files).
    """
    from risksignals.signals.matcher import default_matcher

    matcher = lexicon.matcher if lexicon is not None else default_matcher()
    return matcher.scan(text)


def __getattr__(name: str) -> Any:
    if name == "Detector":
        from risksignals.signals.detector import Detector

        return Detector
    if name == "trends":
        from risksignals.prevalence import trends

        return trends
    if name == "load_examples":
        from risksignals.datasets import load_examples

        return load_examples
    if name == "RisksignalsError":
        from risksignals.errors import RisksignalsError

        return RisksignalsError
    raise AttributeError(f"module 'risksignals' has no attribute {name!r}")
