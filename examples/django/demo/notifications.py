"""Use case 1: notifications over pub/sub with redis-py.

publish() sends a JSON message to the notifications channel. start_listener() runs the tutorial's
`pubsub.listen()` loop in a daemon thread and records what arrives, so every web process has its own
live list of notifications, whichever process published them.
"""
import itertools
import json
import logging
import threading
import time
from datetime import datetime, timezone

import redis
from django.conf import settings

log = logging.getLogger("demo.notifications")

_lock = threading.Lock()
_received = []  # dicts, oldest first
_ids = itertools.count(1)
_started = False
# Set while the listener holds a live subscription (tests and the page wait for it).
subscribed = threading.Event()

MAX_KEPT = 200


def client():
    return redis.Redis.from_url(settings.REDIS_URL)


def publish(text):
    """Publish a notification; returns how many subscribers (all processes) received it."""
    payload = {
        "text": text,
        "sender": settings.SERVER_NAME,
        "sent_at": datetime.now(timezone.utc).isoformat(),
    }
    return client().publish(settings.NOTIFICATIONS_CHANNEL, json.dumps(payload))


def received(after=0):
    """Notifications this process received, with id greater than `after`."""
    with _lock:
        return [n for n in _received if n["id"] > after]


def _record(data):
    try:
        payload = json.loads(data)
        if not isinstance(payload, dict):
            payload = {"text": str(payload)}
    except ValueError:
        # Someone published plain text (redis-cli PUBLISH notifications hello): show it as is.
        payload = {"text": data.decode("utf-8", "replace")}
    entry = {
        "id": next(_ids),
        "text": str(payload.get("text", "")),
        # Published by something other than this app (redis-cli, another service): say so.
        "sender": str(payload.get("sender") or "another client"),
        "received_by": settings.SERVER_NAME,
    }
    with _lock:
        _received.append(entry)
        del _received[:-MAX_KEPT]
    log.info("notification %s from %s: %s", entry["id"], entry["sender"], entry["text"])


def _listen_forever():
    channel = settings.NOTIFICATIONS_CHANNEL
    while True:
        try:
            pubsub = client().pubsub()
            pubsub.subscribe(channel)
            for message in pubsub.listen():
                if message["type"] == "subscribe":
                    subscribed.set()
                    log.info("listening on %r at %s", channel, settings.REDIS_URL)
                elif message["type"] == "message":
                    _record(message["data"])
        except redis.RedisError as exc:
            subscribed.clear()
            log.warning("notifications listener lost the broker (%s); retrying in 1s", exc)
            time.sleep(1)


def start_listener():
    """Start the listener thread once per process."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_listen_forever, name="notifications-listener", daemon=True).start()
