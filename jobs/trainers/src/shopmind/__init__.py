"""shopmind: e-commerce search and recommendations over versioned data assets."""

__version__ = "0.1.0"
