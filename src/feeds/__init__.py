"""feeds: turn news sites without feeds into RSS and Atom feeds."""

__version__ = "0.1.0"
