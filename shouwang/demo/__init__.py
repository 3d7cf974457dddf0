"""The demo county generator: a synthetic roster, eight messy department feeds and ground truth."""
from shouwang.demo.generate import GeneratedCounty, generate_county

__all__ = ["GeneratedCounty", "generate_county"]
