"""aidc: build GPU datacentres from one declarative spec."""

__version__ = "0.1.0"
