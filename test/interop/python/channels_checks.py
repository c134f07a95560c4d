# Django Channels channel layers (Debian python3-channels-redis) on the target server:
# RedisChannelLayer (lists/sorted sets, BZPOPMIN, Lua for group_send) and RedisPubSubChannelLayer
# (pub/sub). Two layer instances stand in for two server processes sharing one broker.
# Usage: channels_checks.py core|pubsub. Target from TIDINGS_HOST / TIDINGS_PORT.
import asyncio
import os
import sys

from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

HOST = os.environ.get('TIDINGS_HOST', '127.0.0.1')
PORT = int(os.environ.get('TIDINGS_PORT', '6379'))
WAIT = 30.0


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f'{what}: expected {expected!r}, got {actual!r}')


async def recv(layer, channel):
    return await asyncio.wait_for(layer.receive(channel), WAIT)


async def nothing_within(layer, channel, seconds=0.3):
    try:
        msg = await asyncio.wait_for(layer.receive(channel), seconds)
    except asyncio.TimeoutError:
        return True
    raise AssertionError(f'unexpected message on {channel}: {msg!r}')


async def core():
    hosts = [(HOST, PORT)]
    server_a = RedisChannelLayer(hosts=hosts, capacity=5)
    server_b = RedisChannelLayer(hosts=hosts, capacity=5)
    await server_a.flush()

    # Named channel: one sender, one receiver; message bodies are msgpack'd dicts with any bytes.
    await server_a.send('chat.worker', {'type': 'chat.message', 'text': 'héllo', 'blob': b'\x00\xff\r\n'})
    eq(await recv(server_b, 'chat.worker'), {'type': 'chat.message', 'text': 'héllo', 'blob': b'\x00\xff\r\n'}, 'named channel')

    # Process-specific channels (what consumers get) are routed back to the right layer instance.
    a_chan = await server_a.new_channel()
    b_chan = await server_b.new_channel()
    if '!' not in a_chan:
        raise AssertionError(f'unexpected specific channel name {a_chan!r}')
    await server_b.send(a_chan, {'type': 'direct', 'n': 1})
    await server_a.send(b_chan, {'type': 'direct', 'n': 2})
    eq(await recv(server_a, a_chan), {'type': 'direct', 'n': 1}, 'message to a process-specific channel')
    eq(await recv(server_b, b_chan), {'type': 'direct', 'n': 2}, 'message to the other process')

    # Groups: group_send reaches every member, on both "servers" (Lua script + sorted sets).
    a2 = await server_a.new_channel()
    await server_a.group_add('room-lobby', a_chan)
    await server_a.group_add('room-lobby', a2)
    await server_b.group_add('room-lobby', b_chan)
    await server_b.group_send('room-lobby', {'type': 'chat.message', 'text': 'to everyone'})
    for layer, chan in ((server_a, a_chan), (server_a, a2), (server_b, b_chan)):
        eq(await recv(layer, chan), {'type': 'chat.message', 'text': 'to everyone'}, f'group message on {chan}')
    await server_a.group_discard('room-lobby', a2)
    await server_a.group_send('room-lobby', {'type': 'chat.message', 'text': 'second'})
    eq(await recv(server_a, a_chan), {'type': 'chat.message', 'text': 'second'}, 'after discard (a)')
    eq(await recv(server_b, b_chan), {'type': 'chat.message', 'text': 'second'}, 'after discard (b)')
    await nothing_within(server_a, a2)

    # Order is kept per channel.
    for i in range(5):
        await server_a.send('ordered', {'type': 'seq', 'i': i})
    eq([(await recv(server_b, 'ordered'))['i'] for _ in range(5)], list(range(5)), 'per-channel order')

    # Capacity: the sixth queued message on a channel raises ChannelFull.
    for i in range(5):
        await server_a.send('full', {'type': 'x', 'i': i})
    try:
        await server_a.send('full', {'type': 'x', 'i': 5})
        raise AssertionError('expected ChannelFull')
    except ChannelFull:
        pass
    eq((await recv(server_a, 'full'))['i'], 0, 'oldest message first after ChannelFull')

    # A receiver that is already waiting (BZPOPMIN blocking) gets a message sent later.
    import redis
    r = redis.Redis(host=HOST, port=PORT)
    waiting = asyncio.ensure_future(server_b.receive('late'))
    deadline = asyncio.get_running_loop().time() + WAIT
    while r.info('clients')['blocked_clients'] < 1:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError('receive() never blocked on the server')
        await asyncio.sleep(0.02)
    await server_a.send('late', {'type': 'late', 'ok': True})
    eq(await asyncio.wait_for(waiting, WAIT), {'type': 'late', 'ok': True}, 'blocked receive woken by send')

    await server_a.flush()
    await server_a.close_pools()
    await server_b.close_pools()


async def wait_numsub(r, channel, n):
    """The pub/sub layer sends SUBSCRIBE without waiting for the confirmation, so a PUBLISH right
    after could overtake it (with Redis too). Wait until the server has the subscription."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while r.pubsub_numsub(channel)[0][1] != n:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f'timed out waiting for {n} subscriber(s) on {channel!r}')
        await asyncio.sleep(0.02)


async def pubsub():
    import redis
    r = redis.Redis(host=HOST, port=PORT)
    hosts = [{'address': f'redis://{HOST}:{PORT}'}]
    server_a = RedisPubSubChannelLayer(hosts=hosts)
    server_b = RedisPubSubChannelLayer(hosts=hosts)

    a_chan = await server_a.new_channel()
    b_chan = await server_b.new_channel()
    await wait_numsub(r, a_chan, 1)
    await wait_numsub(r, b_chan, 1)
    await server_a.send(a_chan, {'type': 'to self'})
    eq(await recv(server_a, a_chan), {'type': 'to self'}, 'message to own channel')
    await server_a.send(b_chan, {'type': 'direct', 'blob': b'\x00\x01'})
    eq(await recv(server_b, b_chan), {'type': 'direct', 'blob': b'\x00\x01'}, 'cross-server message')

    # Groups: each layer subscribes to the group's channel and fans out to its local members.
    # (Note: a cancelled receive() makes this layer drop the channel, so never time one out
    # and retry on the same channel.)
    await server_a.group_add('room', a_chan)
    await server_b.group_add('room', b_chan)
    await wait_numsub(r, 'asgi__group__room', 2)
    await server_a.group_send('room', {'type': 'group', 'text': 'hi all'})
    eq(await recv(server_a, a_chan), {'type': 'group', 'text': 'hi all'}, 'group message (a)')
    eq(await recv(server_b, b_chan), {'type': 'group', 'text': 'hi all'}, 'group message (b)')

    await server_a.group_discard('room', a_chan)
    await wait_numsub(r, 'asgi__group__room', 1)
    await server_b.group_send('room', {'type': 'group', 'text': 'only b'})
    eq(await recv(server_b, b_chan), {'type': 'group', 'text': 'only b'}, 'group message after discard')
    await server_a.send(a_chan, {'type': 'marker'})
    # a left the group: the next thing it sees is the marker, not the group message.
    eq(await recv(server_a, a_chan), {'type': 'marker'}, 'no group message after discard')

    await server_a.flush()
    await server_b.flush()
    await wait_numsub(r, 'asgi__group__room', 0)


if __name__ == '__main__':
    name = sys.argv[1] if len(sys.argv) > 1 else ''
    if name not in ('core', 'pubsub'):
        print('usage: channels_checks.py core|pubsub', file=sys.stderr)
        sys.exit(2)
    asyncio.run(core() if name == 'core' else pubsub())
    print(f'PASS channels_{name}')
