# Python clients over TLS as ACL users, against the target server (Debian's packages, unchanged).
# Usage: secure_checks.py redispy|celery|channels. From the environment: SECURE_PORT (TLS port),
# SECURE_USER, SECURE_PASS, SECURE_CA (empty: do not verify the certificate). Prints "PASS <mode>".
import asyncio
import os
import sys
import time

PORT = int(os.environ['SECURE_PORT'])
USER = os.environ['SECURE_USER']
PASS = os.environ['SECURE_PASS']
CA = os.environ.get('SECURE_CA', '')
WAIT = 60


def eq(actual, expected, what):
    print(f'check: {what}', file=sys.stderr)
    if actual != expected:
        raise AssertionError(f'{what}: expected {expected!r}, got {actual!r}')


def noperm(call, what):
    import redis
    try:
        call()
    except redis.exceptions.NoPermissionError as e:
        return str(e)
    raise AssertionError(f'{what}: expected NOPERM')


def redispy():
    # The user "app" may use keys app:* and channels app:*, and no admin or dangerous command.
    import redis
    verify = f'?ssl_ca_certs={CA}' if CA else '?ssl_cert_reqs=none'
    r = redis.from_url(f'rediss://{USER}:{PASS}@127.0.0.1:{PORT}/0{verify}')
    eq(r.ping(), True, 'ping')
    eq(r.acl_whoami(), USER, 'whoami')
    eq(r.set('app:greeting', 'hi'), True, 'set an own key')
    eq(r.get('app:greeting'), b'hi', 'get an own key')
    eq(noperm(lambda: r.get('other:key'), 'foreign key'),
       'this user has no permissions to access one of the keys used as arguments', 'foreign key')
    eq(noperm(lambda: r.flushall(), 'flushall'),
       "this user has no permissions to run the 'flushall' command", 'flushall')
    eq(noperm(lambda: r.publish('ops:alerts', 'x'), 'foreign channel'),
       'this user has no permissions to access one of the channels used as arguments', 'foreign channel')
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe('app:news')
    eq(r.publish('app:news', 'over tls'), 1, 'publish to an own channel')
    m = None
    for _ in range(100):
        m = p.get_message(timeout=0.1)
        if m:
            break
    eq(m and m['data'], b'over tls', 'message received')
    p.close()
    try:
        redis.from_url(f'rediss://{USER}:wrong@127.0.0.1:{PORT}/0{verify}').ping()
        raise AssertionError('a wrong password was accepted')
    except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as e:
        # redis-py 4.3 raises WRONGPASS during the connection's AUTH as a ResponseError.
        eq(str(e), 'WRONGPASS invalid username-password pair or user is disabled.', 'wrong password')
    # A certificate from another CA is refused when verifying (only meaningful with a CA).
    if CA:
        try:
            redis.from_url(f'rediss://{USER}:{PASS}@127.0.0.1:{PORT}/0?ssl_cert_reqs=required').ping()
            raise AssertionError('an unverifiable certificate was accepted')
        except redis.exceptions.ConnectionError as e:
            eq('CERTIFICATE_VERIFY_FAILED' in str(e), True, 'system CAs do not trust the test CA')
    print('PASS redispy')


def celery():
    from celery_secure_app import add, app, fail
    deadline = time.monotonic() + WAIT
    while not app.control.ping(timeout=1.0):
        if time.monotonic() > deadline:
            raise AssertionError('the Celery worker never answered a ping')
    eq(add.delay(2, 3).get(timeout=WAIT), 5, 'add')
    failed = fail.delay('boom over tls')
    try:
        failed.get(timeout=WAIT)
        raise AssertionError('expected ValueError')
    except ValueError as exc:
        eq(str(exc), 'boom over tls', 'exception message')
    from celery import group
    eq(group(add.s(i, i) for i in range(5))().get(timeout=WAIT), [0, 2, 4, 6, 8], 'group')
    print('PASS celery')


async def channels_checks():
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer
    verify = f'?ssl_ca_certs={CA}' if CA else '?ssl_cert_reqs=none'
    address = f'rediss://{USER}:{PASS}@127.0.0.1:{PORT}/0{verify}'

    async def recv(layer, channel):
        return await asyncio.wait_for(layer.receive(channel), 30)

    a = RedisChannelLayer(hosts=[{'address': address}])
    b = RedisChannelLayer(hosts=[{'address': address}])
    await a.send('chat.worker', {'type': 'chat.message', 'text': 'héllo'})
    eq(await recv(b, 'chat.worker'), {'type': 'chat.message', 'text': 'héllo'}, 'core: named channel')
    ca_chan = await a.new_channel()
    cb_chan = await b.new_channel()
    await a.group_add('room', ca_chan)
    await b.group_add('room', cb_chan)
    await b.group_send('room', {'type': 'chat.message', 'text': 'to all'})
    eq(await recv(a, ca_chan), {'type': 'chat.message', 'text': 'to all'}, 'core: group member a')
    eq(await recv(b, cb_chan), {'type': 'chat.message', 'text': 'to all'}, 'core: group member b')
    await a.flush()
    await b.flush()

    p1 = RedisPubSubChannelLayer(hosts=[{'address': address}])
    p2 = RedisPubSubChannelLayer(hosts=[{'address': address}])
    c1 = await p1.new_channel()
    c2 = await p2.new_channel()
    await p1.group_add('lobby', c1)
    await p2.group_add('lobby', c2)
    await asyncio.sleep(0.2)
    await p1.group_send('lobby', {'type': 'hello', 'n': 1})
    eq(await recv(p1, c1), {'type': 'hello', 'n': 1}, 'pubsub: member 1')
    eq(await recv(p2, c2), {'type': 'hello', 'n': 1}, 'pubsub: member 2')
    await p1.flush()
    await p2.flush()
    print('PASS channels')


mode = sys.argv[1]
if mode == 'redispy':
    redispy()
elif mode == 'celery':
    celery()
elif mode == 'channels':
    asyncio.run(channels_checks())
else:
    raise SystemExit(f'unknown mode {mode}')
