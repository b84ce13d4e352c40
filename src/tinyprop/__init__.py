"""tinyprop: backpropagation from scratch on NumPy."""

__version__ = "0.1.0"
