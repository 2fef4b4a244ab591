"""The HTTP edge: what every request meets before a route runs (issue 11).

Outermost first: security headers on every answer, admission (no more requests at work than threads and
connections, the rest wait their turn or get 503 `overloaded`), rate limits per client and per account (counted
in the database, so every API process shares them), then the body limits, which refuse a request
without a valid token, or declaring (or streaming) more than its route takes, before its body is read.
"""
