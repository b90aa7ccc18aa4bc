"""rsikg: the knowledge graph of Danish regional health IT (Regionernes Sundheds-it)."""

__version__ = "0.1.0"
