# redis-py pub/sub checks, one case per run: `python3 pubsub_checks.py <case>`.
# Target from TIDINGS_HOST / TIDINGS_PORT; REDIS_PY_PARSER=python forces redis-py's pure-Python RESP
# parser instead of hiredis. Prints "PASS <case>" and exits 0 on success; any failed check raises.
# The same cases run against a real redis-server too, so the expectations here are Redis's own.
import os
import sys
import threading
import time

import redis
from redis.connection import PythonParser

HOST = os.environ.get('TIDINGS_HOST', '127.0.0.1')
PORT = int(os.environ.get('TIDINGS_PORT', '6379'))
WAIT = 20.0  # generous: the machine may be loaded


def client(**kwargs):
    if os.environ.get('REDIS_PY_PARSER') == 'python':
        pool = redis.ConnectionPool(host=HOST, port=PORT, parser_class=PythonParser, **kwargs)
        return redis.Redis(connection_pool=pool)
    return redis.Redis(host=HOST, port=PORT, **kwargs)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f'{what}: expected {expected!r}, got {actual!r}')


def wait_for(cond, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f'timed out waiting for {what}')


def wait_numsub(r, channel, n):
    wait_for(lambda: r.pubsub_numsub(channel)[0][1] == n, f'{n} subscriber(s) on {channel!r}')


def next_message(p, what):
    msg = p.get_message(timeout=WAIT)
    check(msg is not None, f'no message: {what}')
    return msg


def case_listen():
    r = client()
    p = r.pubsub()
    p.subscribe('news')
    gen = p.listen()
    eq(next(gen), {'type': 'subscribe', 'pattern': None, 'channel': b'news', 'data': 1}, 'subscribe confirmation')
    eq(r.publish('news', 'first'), 1, 'PUBLISH receiver count')
    eq(r.publish('news', 'second'), 1, 'PUBLISH receiver count')
    eq(next(gen), {'type': 'message', 'pattern': None, 'channel': b'news', 'data': b'first'}, 'first message')
    eq(next(gen), {'type': 'message', 'pattern': None, 'channel': b'news', 'data': b'second'}, 'second message')
    p.unsubscribe('news')
    eq(next(gen), {'type': 'unsubscribe', 'pattern': None, 'channel': b'news', 'data': 0}, 'unsubscribe confirmation')
    # With no subscriptions left, listen() ends by itself.
    eq(list(gen), [], 'listen() after the last unsubscribe')
    eq(r.publish('news', 'nobody'), 0, 'PUBLISH with no subscribers')
    p.close()

    # decode_responses=True gives str everywhere.
    rd = client(decode_responses=True)
    pd = rd.pubsub(ignore_subscribe_messages=True)
    pd.subscribe('text')
    wait_numsub(rd, 'text', 1)
    rd.publish('text', 'héllo')
    gen = pd.listen()
    eq(next(gen), {'type': 'message', 'pattern': None, 'channel': 'text', 'data': 'héllo'}, 'decoded message')
    pd.close()


def case_get_message():
    r = client()
    p = r.pubsub()
    eq(p.get_message(timeout=0.05), None, 'get_message before any subscription')
    p.subscribe('inbox')
    eq(next_message(p, 'subscribe'), {'type': 'subscribe', 'pattern': None, 'channel': b'inbox', 'data': 1}, 'subscribe')
    # Nothing published yet: the timeout expires and get_message returns None.
    eq(p.get_message(timeout=0.2), None, 'get_message with nothing published')
    r.publish('inbox', 'one')
    eq(next_message(p, 'one')['data'], b'one', 'message data')
    p.subscribe('other')
    # SUBSCRIBE is sent without waiting for its reply; a PUBLISH from another connection could
    # overtake it (with Redis too), so wait until the server has the subscription.
    wait_numsub(r, 'other', 1)
    r.publish('other', 'two')
    # ignore_subscribe_messages skips the subscribe confirmation (get_message then returns None once).
    got = None
    deadline = time.monotonic() + WAIT
    while got is None and time.monotonic() < deadline:
        got = p.get_message(ignore_subscribe_messages=True, timeout=1.0)
    eq(got, {'type': 'message', 'pattern': None, 'channel': b'other', 'data': b'two'}, 'message after skipping confirmation')
    p.close()


def case_run_in_thread():
    r = client()
    p = r.pubsub()
    received = []
    lock = threading.Lock()

    def on_job(message):
        with lock:
            received.append(('channel', message['channel'], message['data']))

    def on_pattern(message):
        with lock:
            received.append(('pattern', message['channel'], message['data']))

    p.subscribe(**{'jobs': on_job})
    p.psubscribe(**{'events.*': on_pattern})
    worker = p.run_in_thread(sleep_time=0.05, daemon=True)
    try:
        wait_numsub(r, 'jobs', 1)
        wait_for(lambda: r.pubsub_numpat() == 1, 'pattern subscription')
        for i in range(3):
            eq(r.publish('jobs', f'job {i}'), 1, 'PUBLISH jobs')
        eq(r.publish('events.login', 'alice'), 1, 'PUBLISH events.login')
        wait_for(lambda: len(received) >= 4, 'four handled messages')
        with lock:
            eq(sorted(received), sorted([
                ('channel', b'jobs', b'job 0'), ('channel', b'jobs', b'job 1'), ('channel', b'jobs', b'job 2'),
                ('pattern', b'events.login', b'alice'),
            ]), 'handled messages')
            eq([m for m in received if m[0] == 'channel'],
               [('channel', b'jobs', b'job 0'), ('channel', b'jobs', b'job 1'), ('channel', b'jobs', b'job 2')],
               'per-channel order')
    finally:
        worker.stop()
        worker.join(WAIT)
    check(not worker.is_alive(), 'worker thread stopped')
    p.close()


def case_patterns():
    r = client()
    p = r.pubsub()
    p.psubscribe('news.*', 'h?llo', 'b[ae]d')
    for n, pattern in enumerate([b'news.*', b'h?llo', b'b[ae]d'], start=1):
        eq(next_message(p, 'psubscribe'), {'type': 'psubscribe', 'pattern': None, 'channel': pattern, 'data': n}, 'psubscribe')
    eq(r.pubsub_numpat(), 3, 'PUBSUB NUMPAT')
    eq(r.publish('news.sports', 'goal'), 1, 'news.sports receivers')
    eq(r.publish('hallo', 'x'), 1, 'hallo receivers')
    eq(r.publish('bed', 'y'), 1, 'bed receivers')
    eq(r.publish('bid', 'z'), 0, 'bid matches no pattern')
    eq(r.publish('news', 'w'), 0, 'news matches no pattern')
    eq(next_message(p, 'pmessage 1'), {'type': 'pmessage', 'pattern': b'news.*', 'channel': b'news.sports', 'data': b'goal'}, 'pmessage 1')
    eq(next_message(p, 'pmessage 2'), {'type': 'pmessage', 'pattern': b'h?llo', 'channel': b'hallo', 'data': b'x'}, 'pmessage 2')
    eq(next_message(p, 'pmessage 3'), {'type': 'pmessage', 'pattern': b'b[ae]d', 'channel': b'bed', 'data': b'y'}, 'pmessage 3')
    # A channel subscription and a matching pattern both deliver (two receivers on one connection).
    p.subscribe('news.weather')
    eq(next_message(p, 'subscribe')['type'], 'subscribe', 'subscribe on the same connection')
    eq(r.publish('news.weather', 'rain'), 2, 'channel + pattern receivers')
    kinds = {next_message(p, 'delivery')['type'], next_message(p, 'delivery')['type']}
    eq(kinds, {'message', 'pmessage'}, 'both deliveries')
    p.punsubscribe('news.*')
    eq(next_message(p, 'punsubscribe'), {'type': 'punsubscribe', 'pattern': None, 'channel': b'news.*', 'data': 3}, 'punsubscribe count includes the channel')
    eq(r.pubsub_numpat(), 2, 'PUBSUB NUMPAT after punsubscribe')
    p.close()


def case_numsub():
    r = client()
    a1, a2, b = r.pubsub(), r.pubsub(), r.pubsub()
    a1.subscribe('room:a')
    a2.subscribe('room:a')
    b.subscribe('room:b')
    b.psubscribe('room:*')
    wait_numsub(r, 'room:a', 2)
    wait_numsub(r, 'room:b', 1)
    wait_for(lambda: r.pubsub_numpat() == 1, 'the pattern subscription')
    eq(r.pubsub_numsub('room:a', 'room:b', 'room:c'), [(b'room:a', 2), (b'room:b', 1), (b'room:c', 0)], 'PUBSUB NUMSUB')
    eq(r.pubsub_numsub(), [], 'PUBSUB NUMSUB without channels')
    check({b'room:a', b'room:b'} <= set(r.pubsub_channels()), 'PUBSUB CHANNELS lists both rooms')
    eq(sorted(r.pubsub_channels('room:?')), [b'room:a', b'room:b'], 'PUBSUB CHANNELS with a pattern')
    eq(r.pubsub_numpat(), 1, 'PUBSUB NUMPAT')
    eq(r.publish('room:a', 'hi'), 3, 'two channel subscribers + one pattern subscriber')
    for p in (a1, a2, b):
        p.close()
    wait_numsub(r, 'room:a', 0)
    wait_for(lambda: r.pubsub_numpat() == 0, 'NUMPAT back to 0 after close')


def case_ping():
    r = client()
    p = r.pubsub()
    p.subscribe('x')
    next_message(p, 'subscribe')
    # In subscribed mode PING replies ["pong", <message>]; redis-py's PubSub.ping() sends PING "".
    p.ping()
    eq(next_message(p, 'pong'), {'type': 'pong', 'pattern': None, 'channel': None, 'data': b''}, 'PubSub.ping()')
    p.ping('hello')
    eq(next_message(p, 'pong'), {'type': 'pong', 'pattern': None, 'channel': None, 'data': b'hello'}, 'PubSub.ping(message)')
    p.close()

    # Health checks: with a short interval redis-py sends PING redis-py-health-check on the pub/sub
    # connection and silently consumes the ["pong", "redis-py-health-check"] reply.
    rh = client(health_check_interval=0.01)
    ph = rh.pubsub()
    ph.subscribe('hc')
    next_message(ph, 'subscribe')
    time.sleep(0.05)
    eq(ph.get_message(timeout=0.2), None, 'health check reply is swallowed')
    time.sleep(0.05)
    rh.publish('hc', 'after health check')
    msg = None
    deadline = time.monotonic() + WAIT
    while msg is None and time.monotonic() < deadline:
        msg = ph.get_message(timeout=1.0)
    eq(msg, {'type': 'message', 'pattern': None, 'channel': b'hc', 'data': b'after health check'}, 'message after health checks')
    ph.close()


def case_chat():
    # The tutorial's chat snippets, as written there: a subscriber printing every message and a
    # publisher sending 'Hello everyone!'. The test reads the printed dicts.
    r = client()
    printed = []

    def subscriber():
        pubsub = r.pubsub()
        pubsub.subscribe('chat')
        for msg in pubsub.listen():
            print(msg)
            printed.append(msg)

    threading.Thread(target=subscriber, daemon=True).start()
    wait_numsub(r, 'chat', 1)
    r.publish('chat', 'Hello everyone!')
    wait_for(lambda: len(printed) >= 2, 'subscribe confirmation and message printed')
    sys.stdout.flush()


def case_binary():
    r = client()
    p = r.pubsub()
    channel = b'bin\x00\xff\r\nchan'
    payload = bytes(range(256)) * 4 + b'\r\n$3\r\n*1\r\n'
    big = os.urandom(1024 * 1024)
    p.subscribe(channel)
    p.psubscribe(b'bin\x00*')
    eq(next_message(p, 'subscribe')['channel'], channel, 'binary channel name in confirmation')
    eq(next_message(p, 'psubscribe')['channel'], b'bin\x00*', 'binary pattern in confirmation')
    eq(r.publish(channel, payload), 2, 'receivers of binary channel')
    eq(r.publish(channel, b''), 2, 'receivers of empty payload')
    eq(r.publish(channel, big), 2, 'receivers of 1 MiB payload')
    got = [next_message(p, 'binary delivery') for _ in range(6)]
    by_type = {'message': [], 'pmessage': []}
    for m in got:
        eq(m['channel'], channel, 'channel bytes')
        by_type[m['type']].append(m['data'])
    eq(by_type['message'], [payload, b'', big], 'channel deliveries are byte-exact and in order')
    eq(by_type['pmessage'], [payload, b'', big], 'pattern deliveries are byte-exact and in order')
    eq(r.pubsub_numsub(channel), [(channel, 1)], 'NUMSUB with a binary channel name')
    p.close()


def case_unsubscribe_all():
    r = client()
    p = r.pubsub()
    p.subscribe('u1', 'u2')
    p.psubscribe('u*')
    for _ in range(3):
        next_message(p, 'confirmation')
    p.unsubscribe()
    seen = sorted((m['type'], m['channel'], m['data']) for m in (next_message(p, 'unsub'), next_message(p, 'unsub')))
    # Counts left after each: the pattern keeps the connection subscribed.
    eq([(t, c) for t, c, _ in seen], [('unsubscribe', b'u1'), ('unsubscribe', b'u2')], 'unsubscribe all channels')
    eq(sorted(d for _, _, d in seen), [1, 2], 'remaining subscription counts')
    check(p.subscribed, 'still subscribed through the pattern')
    p.punsubscribe()
    eq(next_message(p, 'punsub'), {'type': 'punsubscribe', 'pattern': None, 'channel': b'u*', 'data': 0}, 'punsubscribe all')
    check(not p.subscribed, 'no subscriptions left')
    # The connection is back in normal mode: ordinary commands work on it.
    p.execute_command('PING')
    eq(p.parse_response(block=True), b'PONG', 'PING in normal mode')
    p.close()


CASES = {name[len('case_'):]: fn for name, fn in globals().items() if name.startswith('case_')}

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print(f'usage: pubsub_checks.py <{"|".join(CASES)}>', file=sys.stderr)
        sys.exit(2)
    CASES[sys.argv[1]]()
    print(f'PASS {sys.argv[1]}')
