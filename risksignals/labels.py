"""The label names, defined once.

A new signal category is a lexicon file, corpus rows and a name added here.
"""

LABELS: tuple[str, ...] = ("drug_sale", "planned_fight", "violent_humiliation")

LABEL_NAMES_NB: dict[str, str] = {
    "drug_sale": "Salg av rusmidler",
    "planned_fight": "Planlagt slåsskamp",
    "violent_humiliation": "Fornedringsvold",
}

SCORE_COLUMNS: tuple[str, ...] = tuple(f"{label}_score" for label in LABELS)
OUTPUT_COLUMNS: tuple[str, ...] = LABELS + SCORE_COLUMNS + ("evidence", "error")
