# django-redis (Debian python3-django-redis) as Django's cache backend on the target server.
# Target from TIDINGS_HOST / TIDINGS_PORT. Prints "PASS django_redis" on success.
import os
import threading

import django
from django.conf import settings

HOST = os.environ.get('TIDINGS_HOST', '127.0.0.1')
PORT = int(os.environ.get('TIDINGS_PORT', '6379'))

settings.configure(
    CACHES={
        'default': {
            'BACKEND': 'django_redis.cache.RedisCache',
            'LOCATION': f'redis://{HOST}:{PORT}/1',
            'KEY_PREFIX': 'interop',
            'OPTIONS': {'CLIENT_CLASS': 'django_redis.client.DefaultClient'},
        },
        'compressed': {
            'BACKEND': 'django_redis.cache.RedisCache',
            'LOCATION': f'redis://{HOST}:{PORT}/2',
            'OPTIONS': {
                'COMPRESSOR': 'django_redis.compressors.zlib.ZlibCompressor',
                'SERIALIZER': 'django_redis.serializers.json.JSONSerializer',
            },
        },
    },
)
django.setup()

from django.core.cache import cache, caches  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f'{what}: expected {expected!r}, got {actual!r}')


cache.clear()

# get / set with Python objects (pickled by django-redis), defaults and timeouts.
cache.set('user:1', {'name': 'Ada', 'tags': ['a', 'b'], 'blob': b'\x00\xff'}, timeout=300)
eq(cache.get('user:1'), {'name': 'Ada', 'tags': ['a', 'b'], 'blob': b'\x00\xff'}, 'get of a pickled dict')
eq(cache.get('missing', 'fallback'), 'fallback', 'get default')
eq(cache.has_key('user:1'), True, 'has_key')
eq(cache.add('user:1', 'other'), False, 'add on an existing key')
eq(cache.add('user:2', 'Bob'), True, 'add on a new key')

# Integers are stored as plain numbers so INCR works.
cache.set('hits', 10)
eq(cache.incr('hits'), 11, 'incr')
eq(cache.incr('hits', 5), 16, 'incr by 5')
eq(cache.decr('hits', 6), 10, 'decr')
eq(cache.get('hits'), 10, 'get after incr')
try:
    cache.incr('no-such-counter')
    raise AssertionError('incr of a missing key should raise ValueError')
except ValueError:
    pass

# TTLs: ttl(), expire(), persist(), touch(), timeout=None (no expiry), timeout=0 (expire now).
cache.set('session', 'data', timeout=100)
ttl = cache.ttl('session')
if not 0 < ttl <= 100:
    raise AssertionError(f'ttl out of range: {ttl}')
cache.expire('session', 1000)
if not 100 < cache.ttl('session') <= 1000:
    raise AssertionError(f'ttl after expire: {cache.ttl("session")}')
cache.persist('session')
eq(cache.ttl('session'), None, 'ttl after persist (None = never expires)')
eq(cache.touch('session', 50), True, 'touch')
if not 0 < cache.ttl('session') <= 50:
    raise AssertionError('ttl after touch')
cache.set('forever', 1, timeout=None)
eq(cache.ttl('forever'), None, 'timeout=None')
eq(cache.ttl('absent'), 0, 'ttl of a missing key')
cache.set('gone', 1, timeout=0)
eq(cache.get('gone'), None, 'timeout=0 expires at once')
cache.set('short', 'x')
eq(cache.pttl('short') > 0, True, 'pttl with the default timeout')

# Many at once.
cache.set_many({'a:1': 1, 'a:2': 'two', 'a:3': [3]})
eq(cache.get_many(['a:1', 'a:2', 'a:3', 'a:4']), {'a:1': 1, 'a:2': 'two', 'a:3': [3]}, 'get_many')
cache.delete_many(['a:1', 'a:2'])
eq(cache.get_many(['a:1', 'a:2', 'a:3']), {'a:3': [3]}, 'delete_many')

# keys / iter_keys / delete_pattern use KEYS and SCAN with the key prefix.
for i in range(120):
    cache.set(f'page:{i}', i)
cache.set('other:1', 1)
eq(len(cache.keys('page:*')), 120, 'keys with a pattern')
eq(sorted(int(k.split(':')[1]) for k in cache.iter_keys('page:*')), list(range(120)), 'iter_keys (SCAN)')
eq(cache.delete_pattern('page:*'), 120, 'delete_pattern')
eq(cache.keys('page:*'), [], 'keys after delete_pattern')
eq(cache.get('other:1'), 1, 'delete_pattern left other keys alone')
eq(cache.delete('other:1'), True, 'delete')
eq(cache.delete('other:1'), False, 'delete of a missing key')

# Raw client: the prefix and version are in the stored key names.
raw = get_redis_connection('default')
eq(raw.exists(':1:user:1'), 0, 'unprefixed name is absent')
eq(raw.exists('interop:1:user:1'), 1, 'prefixed, versioned key name')
eq(raw.get('interop:1:hits'), b'10', 'integers stored as plain numbers')

# get_or_set and versions.
eq(cache.get_or_set('computed', lambda: 'fresh', 60), 'fresh', 'get_or_set computes')
eq(cache.get_or_set('computed', lambda: 'again', 60), 'fresh', 'get_or_set reuses')
cache.set('v', 'one', version=1)
cache.set('v', 'two', version=2)
eq((cache.get('v', version=1), cache.get('v', version=2)), ('one', 'two'), 'versions')
cache.incr_version('v', version=2)
eq(cache.get('v', version=3), 'two', 'incr_version')

# Locks (redis-py Lock: SET NX PX to take it, Lua scripts to release/extend).
lock = cache.lock('critical', timeout=10)
eq(lock.acquire(blocking=False), True, 'lock acquired')
other_lock = cache.lock('critical', timeout=10)
eq(other_lock.acquire(blocking=False), False, 'second holder refused')
lock.release()
eq(other_lock.acquire(blocking=False), True, 'free again after release')
other_lock.release()

# Concurrent increments from several threads add up.
cache.set('counter', 0)


def bump():
    for _ in range(50):
        cache.incr('counter')


threads = [threading.Thread(target=bump) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
eq(cache.get('counter'), 200, 'concurrent incr')

# A second cache with zlib compression and the JSON serializer, in another database.
big = {'text': 'tidings ' * 2000, 'n': [1, 2, 3]}
caches['compressed'].set('doc', big)
eq(caches['compressed'].get('doc'), big, 'compressed JSON round trip')
raw2 = get_redis_connection('compressed')
stored = raw2.get(':1:doc')
if stored is None or len(stored) >= len('tidings ' * 2000):
    raise AssertionError('value was not stored compressed')
eq(raw.dbsize() > 0 and raw2.dbsize() == 1, True, 'databases 1 and 2 are separate')

cache.clear()
eq(raw.dbsize(), 0, 'clear')
print('PASS django_redis')
