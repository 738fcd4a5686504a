"""Signals layer: normalisation (with offsets), lexicon matching, and the detector."""
