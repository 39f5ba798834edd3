"""A Redis of the test's own: ``redis-server`` on a free port in a temporary directory, started
and stopped by the test. The shared Redis of the machine is never touched.

``broker_on(redis)`` points the cache, the broker and the health check at it, with tasks really
going to the broker (not run eagerly); ``drain`` is a one-process worker: it takes the messages
off the broker and runs them, until none is left.
"""

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis as redis_client
from kombu import Connection

from cosell import celery_app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis_client.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis_client.RedisError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _reset_broker_connections() -> None:
    # Forget (not close: kombu keeps its pools in a registry) the pools made for the old URL.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_on(own: OwnRedis, settings):
    """Cache, broker and health check on ``own``; tasks go to the broker for real."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "cosell.core.cache.ResilientRedisCache",
            "LOCATION": own.url,
            "KEY_PREFIX": "own",
        },
    }
    settings.CELERY_BROKER_URL = own.url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    _reset_broker_connections()
    celery_app.conf.broker_url = own.url
    celery_app.conf.task_always_eager = False
    try:
        yield own
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        _reset_broker_connections()


def drain(own: OwnRedis, *, limit: int = 1000) -> list[str]:
    """Run what waits on the broker, and what that queues, until nothing is left. Returns the
    names of the tasks run."""
    ran: list[str] = []
    with Connection(own.url) as connection:
        queue = connection.SimpleQueue("celery")
        try:
            while len(ran) < limit:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                args, kwargs, _embed = message.decode()
                name = message.headers["task"]
                message.ack()
                celery_app.tasks[name].apply(args=args, kwargs=kwargs)
                ran.append(name)
        finally:
            queue.close()
    return ran


def own_redis_fixture(tmp_path, settings):
    """The body of an ``own_redis`` fixture: started, the portal pointed at it, stopped."""
    own = OwnRedis(tmp_path)
    own.start()
    try:
        with broker_on(own, settings):
            yield own
    finally:
        own.stop()
