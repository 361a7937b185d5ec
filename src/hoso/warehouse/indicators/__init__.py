"""Warehouse indicators: definitions and values (issue 20 points 3, 6, 7)."""
