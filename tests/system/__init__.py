"""Tests that start servers: the live server with a browser, gunicorn, nginx, a database relay."""
