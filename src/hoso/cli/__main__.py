"""`python -m hoso.cli`: the same commands as the `hoso` script."""

from hoso.cli import app

if __name__ == "__main__":
    app()
