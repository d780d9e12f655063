"""ordercli: a command-line order desk for small merchants."""

__version__ = "0.1.0"
