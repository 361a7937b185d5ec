"""SQL (SQLAlchemy Core) parts of the store that are more than one module."""
