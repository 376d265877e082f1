"""The package's version string: the one module every layer may import."""

__version__ = "0.1.0"
