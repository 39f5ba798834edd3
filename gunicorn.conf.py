"""gunicorn's settings for the portal (``bin/web``; ``make bench`` runs the portal and the bare
app with them). gunicorn reads this file from the working directory; the environment overrides.

Worker model: sync workers, one request at a time each, ``cores + 1`` of them. A request is
mostly Python (DRF, serializers, templates: CPU) plus waits on PostgreSQL and Redis, which run on
the same cores here; one worker beyond the cores fills those waits. More processes only contend:
on the 2-core bench machine 5 sync workers (gunicorn's ``2 x cores + 1``) served the list no
faster than 2 and doubled its p99, and threads (``gthread``) share one interpreter lock per process
for work that is mostly Python. Figures: the README's performance section.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket: its default is one fixed path in the home directory, shared by every
# instance on the machine (the bench starts two).
control_socket_disable = True
