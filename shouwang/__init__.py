"""Shouwang: data integration and cross-agency screening against a return to poverty."""
__version__ = "0.1.0"
