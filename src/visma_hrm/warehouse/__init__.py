"""The warehouse seam: one adapter per kind of destination, made once from the settings.

Every question a run asks of its destination (which dlt destination, its label, locks,
positions and row counts, marking deleted rows, emptying columns, which steps it supports,
opening it read-only) is answered here, and nowhere else is it asked which destination it is.
"""
