# Celery against a server that is killed: `enqueue PORT` queues tasks until the connection dies,
# printing the ID of each task once apply_async returned (its message acknowledged by the server);
# `process PORT ID...` checks every given task's message is queued, runs a worker (solo pool)
# until each of them has a result, and prints one JSON line: the tasks missing from the queue
# before the run and those without the right result.
# The worker stores results (database 1); the enqueuer has no result backend, so that nothing but
# the broker connection can fail while it queues.
import json
import os
import subprocess
import sys
import time

import redis
from celery import Celery

PORT = int(os.environ.get('CRASH_PORT', '6379'))
RESULTS = os.environ.get('CRASH_RESULTS') == '1'

app = Celery(
    'celery_crash',
    broker=f'redis://127.0.0.1:{PORT}/0',
    backend=f'redis://127.0.0.1:{PORT}/1' if RESULTS else None,
)
app.conf.update(
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    task_publish_retry=False,
    broker_connection_retry=False,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=0,
    worker_hijack_root_logger=False,
)


@app.task
def double(n):
    return 2 * n


def queued_ids(conn):
    ids = set()
    for raw in conn.lrange('celery', 0, -1):
        ids.add(json.loads(raw)['headers']['id'])
    return ids


def main():
    mode = sys.argv[1]
    conn = redis.Redis(host='127.0.0.1', port=PORT)
    if mode == 'enqueue':
        n = 0
        try:
            while True:
                double.apply_async(args=[n], task_id=f'task-{n}')
                print(f'task-{n}', flush=True)
                n += 1
        except Exception:  # the broker is gone: kombu's OperationalError, a socket error, ...
            return
    ids = sys.argv[2:]
    queued = queued_ids(conn)
    missing = [i for i in ids if i not in queued]
    worker = subprocess.Popen(
        [sys.executable, '-m', 'celery', '-A', 'celery_crash', 'worker', '--pool=solo', '--loglevel=WARNING',
         '--hostname', f'crash-{PORT}@%h'],
        env={**os.environ, 'CRASH_RESULTS': '1'},
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    results = redis.Redis(host='127.0.0.1', port=PORT, db=1)
    unfinished = list(ids)
    deadline = time.time() + 120
    try:
        while unfinished and time.time() < deadline:
            still = []
            for i in unfinished:
                raw = results.get(f'celery-task-meta-{i}')
                meta = json.loads(raw) if raw is not None else None
                if meta is None or meta.get('status') != 'SUCCESS' or meta.get('result') != 2 * int(i.split('-')[1]):
                    still.append(i)
            unfinished = still
            if unfinished:
                time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(60)
    print(json.dumps({'missing': missing, 'unfinished': unfinished, 'checked': len(ids)}), flush=True)


if __name__ == '__main__':
    main()
