"""gunicorn settings for ``scripts/serve``: read from the environment, with a bureau server's defaults.

DOUDI_ADDR             where to listen (default 127.0.0.1:8000; a reverse proxy in front ends TLS)
DOUDI_WEB_WORKERS      processes (default 2 × cores + 1)
DOUDI_WEB_THREADS      threads per process (default 4: pages wait on the database, not the CPU)
DOUDI_LOG_DIR          access.log and error.log there (rotated by deploy/logrotate.conf); else stderr
DOUDI_FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)
"""

import multiprocessing
import os
from pathlib import Path

wsgi_app = "doudi.wsgi:application"
bind = os.environ.get("DOUDI_ADDR", "127.0.0.1:8000")
workers = int(os.environ.get("DOUDI_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("DOUDI_WEB_THREADS", "4"))
# Exports and imports of a county's data take a while; a stuck request is still ended.
timeout = 120
graceful_timeout = 30
# A process is replaced after this many requests, so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("DOUDI_FORWARDED_ALLOW_IPS", "127.0.0.1")
_log_dir = os.environ.get("DOUDI_LOG_DIR")
accesslog = str(Path(_log_dir) / "access.log") if _log_dir else "-"
errorlog = str(Path(_log_dir) / "error.log") if _log_dir else "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
