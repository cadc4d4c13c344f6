"""Pulse method names the command line offers, kept free of numerical imports so that
`unmask pulse --help` starts at once (`unmask.pulse.methods` holds the methods themselves)."""

from __future__ import annotations

#: Every pulse extraction method, in the order `unmask.pulse.methods.METHODS` defines them.
METHOD_NAMES = ("green", "red", "chrom", "pos", "lgi", "pbv")
