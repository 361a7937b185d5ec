"""Hồ Sơ: Ho Chi Minh City's electronic health record platform."""

__version__ = "0.1.0"
