"""Gunicorn for Kỷ Cương behind a reverse proxy.

gunicorn -c deploy/gunicorn.conf.py portal.wsgi
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: Django's ORM and WeasyPrint are synchronous; two per core plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# PDF minutes and large exports take a few seconds; a stuck worker is recycled after 60 s.
timeout = 60
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
