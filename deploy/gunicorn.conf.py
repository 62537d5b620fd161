"""Gunicorn for Kỷ Cương behind a reverse proxy.

gunicorn -c deploy/gunicorn.conf.py portal.wsgi

Several servers may run this against one PostgreSQL: sessions live in the database, the cache
in Redis (CACHE_URL), files in one S3 bucket (MEDIA_STORAGE=s3), and PDFs and large exports are
made by the task worker (TASKS_BACKEND=database, deploy/kycuong-worker.service), not here.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: Django's ORM and WeasyPrint are synchronous; two per core plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# PDFs and large exports are made by the task worker; the direct download links that remain
# take a few seconds at most. A stuck worker is recycled after 60 s.
timeout = 60
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from the proxy (this machine by default; the load balancer's
# address when nginx runs elsewhere: GUNICORN_FORWARDED_ALLOW_IPS=10.0.0.5).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
