"""The baseline of the HTTP benchmark: a bare Flask app answering one short string, served like the product."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "ok"
