"""The reference of bench/pages.py: a bare Flask app with one route that
answers "ok", served by the same gunicorn settings as the CMS. Whatever the
CMS does per request is measured against this."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> str:
    return "ok"
