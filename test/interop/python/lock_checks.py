# redis-py's Lock (implemented with Lua scripts: acquire via SET NX PX, release/extend/reacquire
# via EVALSHA) against the server at TIDINGS_HOST / TIDINGS_PORT. Prints "PASS lock" on success;
# any failed check raises. The same program runs against redis-server too.
import os
import time

import redis
from redis.exceptions import LockError, LockNotOwnedError

HOST = os.environ.get('TIDINGS_HOST', '127.0.0.1')
PORT = int(os.environ.get('TIDINGS_PORT', '6379'))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


r = redis.Redis(host=HOST, port=PORT)
other = redis.Redis(host=HOST, port=PORT)
r.delete('resource')

lock = r.lock('resource', timeout=10)
check(lock.acquire(blocking=False), 'first acquire succeeds')
check(lock.owned(), 'owned after acquire')
check(lock.locked(), 'locked after acquire')

# A second lock on the same name cannot be acquired while the first holds it.
contender = other.lock('resource', timeout=10)
check(not contender.acquire(blocking=False), 'contender cannot acquire')
check(not contender.acquire(blocking=True, blocking_timeout=0.2), 'contender times out')

# extend adds time (Lua script); replace_ttl sets it.
ttl_before = r.pttl('resource')
check(lock.extend(20), 'extend returns True')
ttl_after = r.pttl('resource')
check(ttl_after > ttl_before, 'extend adds to the ttl (%d -> %d)' % (ttl_before, ttl_after))
check(lock.extend(5, replace_ttl=True), 'extend with replace_ttl')
check(r.pttl('resource') <= 5000, 'replace_ttl sets the ttl')
check(lock.reacquire(), 'reacquire resets the ttl to the timeout')
check(r.pttl('resource') > 5000, 'reacquire sets the ttl to timeout (10 s)')

# The contender cannot release or extend a lock it does not own (the scripts check the token).
contender.local.token = b'not-the-owner'
try:
    contender.release()
    raise AssertionError('releasing a lock owned by another token must fail')
except LockNotOwnedError:
    pass
contender.local.token = b'not-the-owner'  # release() cleared it
try:
    contender.extend(10)
    raise AssertionError('extending a lock owned by another token must fail')
except LockNotOwnedError:
    pass

lock.release()
check(not lock.locked(), 'released')
check(r.get('resource') is None, 'key removed on release')
try:
    lock.release()
    raise AssertionError('a second release must fail')
except LockError:
    pass

# Expiry: a lock with a short timeout can be taken over after it expires.
short = r.lock('resource', timeout=0.2)
check(short.acquire(blocking=False), 'short lock acquired')
time.sleep(0.4)
taker = other.lock('resource', timeout=5)
check(taker.acquire(blocking=False), 'lock is free after expiry')
try:
    short.extend(1)
    raise AssertionError('extending an expired lock must fail')
except LockNotOwnedError:
    pass
taker.release()

# Context manager form.
with r.lock('resource', timeout=5, blocking_timeout=1) as held:
    check(held.owned(), 'owned inside with-block')
check(r.get('resource') is None, 'released after with-block')

print('PASS lock')
