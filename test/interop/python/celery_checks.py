# Celery (Debian python3-celery + kombu) against the target server, with a real worker running
# celery_app.py (started by the test with `celery worker --pool=solo`). Prints "PASS celery".
import os
import sys
import time

from celery import chain, chord, group
from celery.result import AsyncResult, ResultSet

from celery_app import HOST, PORT, add, app, echo, fail, flaky, total  # noqa: F401

WAIT = 60


T0 = time.monotonic()


def eq(actual, expected, what):
    # Progress on stderr: shown by the test only when it fails.
    print(f'[{time.monotonic() - T0:.1f}s] {what}', file=sys.stderr)
    if actual != expected:
        raise AssertionError(f'{what}: expected {expected!r}, got {actual!r}')


# The worker announces itself through the broker's broadcast (pidbox) exchange: wait until it
# answers a ping, which also exercises fanout over PUBLISH/SUBSCRIBE.
deadline = time.monotonic() + WAIT
while True:
    replies = app.control.ping(timeout=1.0)
    if replies:
        break
    if time.monotonic() > deadline:
        raise AssertionError('the Celery worker never answered a ping')
eq(len(replies), 1, 'one worker answers')

eq(add.delay(2, 3).get(timeout=WAIT), 5, 'add')
eq(echo.delay({'text': 'héllo ✓', 'list': [1, None, True]}).get(timeout=WAIT),
   {'text': 'héllo ✓', 'list': [1, None, True]}, 'JSON round trip')

# A task that raises: the exception comes back to the caller, with its traceback in the backend.
failed = fail.delay('boom from a task')
try:
    failed.get(timeout=WAIT)
    raise AssertionError('expected ValueError from the failing task')
except ValueError as exc:
    eq(str(exc), 'boom from a task', 'exception message')
eq(failed.state, 'FAILURE', 'failed state')
eq(failed.failed(), True, 'failed()')
if 'ValueError: boom from a task' not in (failed.traceback or ''):
    raise AssertionError(f'traceback missing: {failed.traceback!r}')
eq(isinstance(failed.get(propagate=False), ValueError), True, 'get(propagate=False)')

# Retries until success.
eq(flaky.delay(f'flaky-{time.time()}', 3).get(timeout=WAIT), 3, 'retried task result')

# Canvas: group, chain, chord (the redis backend's chord counter).
eq(group(add.s(i, i) for i in range(10))().get(timeout=WAIT), [i * 2 for i in range(10)], 'group')
eq(chain(add.s(1, 2), add.s(3), add.s(4))().get(timeout=WAIT), 10, 'chain')
eq(chord((add.s(i, i) for i in range(5)), total.s())().get(timeout=WAIT), 20, 'chord')

# Many tasks in flight at once. (Collect them in order: Celery polls about once a second for a
# result that finished before get() subscribed, with Redis as with Tidings.)
results = [add.delay(i, 1) for i in range(50)]
eq(ResultSet(results).join(timeout=WAIT), [i + 1 for i in range(50)], 'fifty tasks')

eq(AsyncResult('no-such-task-id', app=app).state, 'PENDING', 'unknown task is PENDING')

# Introspection over the broadcast exchange.
stats = app.control.inspect(timeout=WAIT, limit=1).stats()
if not stats or 'pool' not in next(iter(stats.values())):
    raise AssertionError(f'inspect().stats() gave {stats!r}')
print('PASS celery')
sys.stdout.flush()
# Skip interpreter teardown: Celery's AsyncResult.__del__ would try to reconnect during it.
os._exit(0)
