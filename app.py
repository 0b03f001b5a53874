"""`python app.py [--port N] [--host H] [--store DIR]`: the web app, same as `briefing serve`."""

import sys

from briefing.cli import app

if __name__ == "__main__":
    app(["serve", *sys.argv[1:]])
