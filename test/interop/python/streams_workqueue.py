# A stream work queue with redis-py: `python3 streams_workqueue.py <case>`.
# Target from TIDINGS_HOST / TIDINGS_PORT. Prints "PASS <case>" and exits 0; a failed check raises.
# Cases:
#   reclaim     two consumers in a group; one "crashes" holding pending jobs, the other reclaims
#               them with XAUTOCLAIM; every job processed exactly once after acks.
#   concurrent  producer and consumer threads on one group; nothing lost, nothing duplicated.
import os
import sys
import threading
import time

import redis

HOST = os.environ.get('TIDINGS_HOST', '127.0.0.1')
PORT = int(os.environ.get('TIDINGS_PORT', '6379'))
WAIT = 30.0  # generous: the machine may be loaded


def client():
    return redis.Redis(host=HOST, port=PORT, decode_responses=True)


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f'{what}: expected {expected!r}, got {actual!r}')


def reclaim():
    r = client()
    r.flushall()
    r.xgroup_create('jobs', 'workers', id='$', mkstream=True)
    ids = [r.xadd('jobs', {'job': str(i), 'payload': 'x' * i}) for i in range(25)]

    doomed = client()
    taken = doomed.xreadgroup('workers', 'doomed', {'jobs': '>'}, count=10)
    eq(len(taken[0][1]), 10, 'jobs taken by the crashing consumer')
    doomed.close()  # crash: the jobs stay pending under "doomed"

    alive = client()
    processed = {}

    def work(entries):
        for entry_id, fields in entries:
            eq(fields['payload'], 'x' * int(fields['job']), 'payload round-trip')
            processed[entry_id] = processed.get(entry_id, 0) + 1
            eq(alive.xack('jobs', 'workers', entry_id), 1, f'ack {entry_id}')

    while True:
        got = alive.xreadgroup('workers', 'alive', {'jobs': '>'}, count=4)
        if not got:
            break
        work(got[0][1])
    eq(len(processed), 15, 'jobs processed by the survivor before reclaiming')

    summary = alive.xpending('jobs', 'workers')
    eq(summary['pending'], 10, 'pending after the crash')
    eq(summary['consumers'], [{'name': 'doomed', 'pending': 10}], 'pending per consumer')

    time.sleep(0.05)
    cursor = '0-0'
    while True:
        cursor, claimed, deleted = alive.xautoclaim('jobs', 'workers', 'alive', min_idle_time=30, start_id=cursor, count=3)
        eq(deleted, [], 'no deleted entries')
        work(claimed)
        if cursor == '0-0':
            break

    eq(sorted(processed), sorted(ids), 'every job processed')
    eq(set(processed.values()), {1}, 'each job processed exactly once')
    eq(alive.xpending('jobs', 'workers')['pending'], 0, 'nothing pending at the end')
    info = alive.xinfo_groups('jobs')[0]
    eq((info['name'], info['pending'], info['last-delivered-id'], info['entries-read'], info['lag']),
       ('workers', 0, ids[-1], 25, 0), 'group info')


def concurrent():
    r = client()
    r.flushall()
    r.xgroup_create('q', 'g', id='$', mkstream=True)
    producers, per_producer, consumers = 3, 200, 3
    total = producers * per_producer
    seen = {}
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def produce(p):
        c = client()
        for i in range(per_producer):
            c.xadd('q', {'msg': f'{p}:{i}'})

    def consume(n):
        try:
            c = client()
            while not stop.is_set():
                got = c.xreadgroup('g', f'c{n}', {'q': '>'}, count=10, block=100)
                if not got:
                    continue
                entries = got[0][1]
                with lock:
                    for _, fields in entries:
                        seen[fields['msg']] = seen.get(fields['msg'], 0) + 1
                c.xack('q', 'g', *[e[0] for e in entries])
        except Exception as err:  # surfaced by the main thread
            errors.append(err)

    threads = [threading.Thread(target=consume, args=(n,)) for n in range(consumers)]
    threads += [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with lock:
            if len(seen) == total:
                break
        time.sleep(0.02)
    stop.set()
    for t in threads:
        t.join(WAIT)
    if errors:
        raise errors[0]
    eq(len(seen), total, 'distinct messages consumed')
    eq(set(seen.values()), {1}, 'no message delivered twice')
    eq(r.xlen('q'), total, 'stream length')
    eq(r.xpending('q', 'g')['pending'], 0, 'nothing pending')


CASES = {'reclaim': reclaim, 'concurrent': concurrent}

if __name__ == '__main__':
    case = sys.argv[1]
    CASES[case]()
    print(f'PASS {case}')
