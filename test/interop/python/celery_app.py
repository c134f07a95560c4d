# A Celery app for the interop checks: broker and result backend both on the target server
# (TIDINGS_HOST / TIDINGS_PORT), databases 0 and 1. The worker runs it with the solo pool.
import os

import redis
from celery import Celery

HOST = os.environ.get('TIDINGS_HOST', '127.0.0.1')
PORT = int(os.environ.get('TIDINGS_PORT', '6379'))

app = Celery('interop', broker=f'redis://{HOST}:{PORT}/0', backend=f'redis://{HOST}:{PORT}/1')
app.conf.update(
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    result_expires=3600,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task
def add(x, y):
    return x + y


@app.task
def total(numbers):
    return sum(numbers)


@app.task
def echo(value):
    return value


@app.task
def fail(message):
    raise ValueError(message)


@app.task(bind=True, max_retries=5)
def flaky(self, key, succeed_on):
    """Fails until it has been tried `succeed_on` times (attempts counted with INCR)."""
    attempts = redis.Redis(host=HOST, port=PORT, db=2).incr(key)
    if attempts < succeed_on:
        raise self.retry(exc=RuntimeError(f'attempt {attempts}'), countdown=0)
    return attempts
