"""The SQL implementation of the repository contract; the only package that knows SQL."""
