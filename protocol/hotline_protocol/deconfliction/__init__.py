"""Deconfliction: the conflict rule as a pure function of the two feeds and a time."""
