"""Evaluation: metrics with intervals, the Norwegian functional suite, fairness, reports."""
