"""End-to-end tests of the four use cases against a live broker (REDIS_URL: Tidings or Redis).

Run: REDIS_URL=redis://127.0.0.1:6379/0 /usr/bin/python3 manage.py test demo
"""
import asyncio
import json
import time
import uuid

import redis
from asgiref.sync import async_to_sync
from celery.contrib.testing.worker import start_worker
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.core.cache import cache
from django.test import SimpleTestCase

from tidings_demo import celery_app
from tidings_demo.asgi import application

from . import notifications
from .tasks import reverse_text

WAIT = 15  # seconds: generous upper bounds for things to arrive, never asserted as timings


def wait_for(predicate, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class BrokerTests(SimpleTestCase):
    def test_broker_is_reachable(self):
        info = redis.Redis.from_url(settings.REDIS_URL).info("server")
        self.assertIn("redis_version", info)


class NotificationTests(SimpleTestCase):
    """Use case 1: a view publishes; the listener thread started in AppConfig.ready records it."""

    def setUp(self):
        self.assertTrue(notifications.subscribed.wait(WAIT), "the listener thread never subscribed")

    def fetch_texts(self):
        response = self.client.get("/notifications/")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertTrue(body["listening"])
        return [n["text"] for n in body["notifications"]]

    def test_view_publishes_and_listener_records(self):
        text = unique("hello")
        response = self.client.post("/notify/", {"text": text})
        self.assertEqual(response.status_code, 200)
        self.assertGreaterEqual(response.json()["receivers"], 1)
        wait_for(lambda: text in self.fetch_texts(), "the notification to reach the listener")
        entry = [n for n in notifications.received() if n["text"] == text][0]
        self.assertEqual(entry["sender"], settings.SERVER_NAME)
        self.assertEqual(entry["received_by"], settings.SERVER_NAME)

    def test_json_body_and_after_cursor(self):
        first, second = unique("first"), unique("second")
        for text in (first, second):
            response = self.client.post("/notify/", json.dumps({"text": text}), content_type="application/json")
            self.assertEqual(response.status_code, 200)
        wait_for(lambda: second in self.fetch_texts(), "both notifications")
        first_id = [n["id"] for n in notifications.received() if n["text"] == first][0]
        later = self.client.get(f"/notifications/?after={first_id}").json()["notifications"]
        self.assertNotIn(first, [n["text"] for n in later])
        self.assertIn(second, [n["text"] for n in later])

    def test_notification_published_by_another_server(self):
        # Use case 4: another process (any Redis client) publishes on the same channel.
        text = unique("from-elsewhere")
        other = redis.Redis.from_url(settings.REDIS_URL)
        payload = json.dumps({"text": text, "sender": "other-server"})
        self.assertGreaterEqual(other.publish(settings.NOTIFICATIONS_CHANNEL, payload), 1)
        wait_for(lambda: text in self.fetch_texts(), "the other server's notification")
        entry = [n for n in notifications.received() if n["text"] == text][0]
        self.assertEqual(entry["sender"], "other-server")

    def test_plain_text_message(self):
        text = unique("plain")
        redis.Redis.from_url(settings.REDIS_URL).publish(settings.NOTIFICATIONS_CHANNEL, text.encode())
        wait_for(lambda: text in self.fetch_texts(), "the plain-text notification")

    def test_empty_text_is_rejected(self):
        response = self.client.post("/notify/", {"text": "  "})
        self.assertEqual(response.status_code, 400)


class BackgroundTaskTests(SimpleTestCase):
    """Use case 2: a view queues a Celery task; a worker (in a thread here) runs it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker = start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10)
        cls.worker.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.worker.__exit__(None, None, None)
        super().tearDownClass()

    def test_view_queues_task_and_status_shows_result(self):
        text = unique("tidings")
        response = self.client.post("/tasks/", {"text": text})
        self.assertEqual(response.status_code, 202)
        task_id = response.json()["task_id"]

        def finished():
            body = self.client.get(f"/tasks/{task_id}/").json()
            return body if body["state"] in ("SUCCESS", "FAILURE") else None

        body = wait_for(finished, "the worker to finish the task")
        self.assertEqual(body["state"], "SUCCESS")
        self.assertEqual(body["result"]["reversed"], text[::-1])

    def test_result_get_waits_for_the_worker(self):
        # AsyncResult.get() uses the result backend's pub/sub to wait.
        result = reverse_text.delay("abc", delay=0)
        self.assertEqual(result.get(timeout=WAIT)["reversed"], "cba")

    def test_several_tasks(self):
        results = [reverse_text.delay(f"task-{i}", delay=0) for i in range(5)]
        self.assertEqual([r.get(timeout=WAIT)["reversed"] for r in results], [f"task-{i}"[::-1] for i in range(5)])

    def test_unknown_task_is_pending(self):
        body = self.client.get(f"/tasks/{uuid.uuid4()}/").json()
        self.assertEqual(body["state"], "PENDING")


class ChatTests(SimpleTestCase):
    """Use case 3 (and 4): Channels consumers in rooms on the Redis channel layer."""

    def setUp(self):
        # Each async test runs in its own event loop: give it a fresh channel layer.
        channel_layers.backends.clear()

    async def join(self, room):
        communicator = WebsocketCommunicator(application, f"/ws/chat/{room}/")
        connected, _ = await communicator.connect(timeout=WAIT)
        self.assertTrue(connected)
        joined = await communicator.receive_json_from(timeout=WAIT)
        self.assertEqual(joined, {"type": "joined", "room": room, "server": settings.SERVER_NAME})
        return communicator

    async def test_message_reaches_everyone_in_the_room(self):
        room, other_room = unique("room"), unique("room")
        ann, bob, carol = await self.join(room), await self.join(room), await self.join(other_room)
        try:
            await ann.send_json_to({"user": "ann", "text": "hello room"})
            for communicator in (ann, bob):
                message = await communicator.receive_json_from(timeout=WAIT)
                self.assertEqual(message["type"], "message")
                self.assertEqual((message["user"], message["text"], message["room"]), ("ann", "hello room", room))
            self.assertTrue(await carol.receive_nothing(timeout=0.5))
        finally:
            for communicator in (ann, bob, carol):
                await communicator.disconnect()

    async def test_messages_keep_their_order(self):
        room = unique("room")
        ann, bob = await self.join(room), await self.join(room)
        try:
            for i in range(10):
                await ann.send_json_to({"user": "ann", "text": f"m{i}"})
            got = [(await bob.receive_json_from(timeout=WAIT))["text"] for _ in range(10)]
            self.assertEqual(got, [f"m{i}" for i in range(10)])
        finally:
            await ann.disconnect()
            await bob.disconnect()

    async def test_left_member_gets_nothing(self):
        room = unique("room")
        ann, bob = await self.join(room), await self.join(room)
        await bob.disconnect()
        try:
            await ann.send_json_to({"user": "ann", "text": "anyone?"})
            self.assertEqual((await ann.receive_json_from(timeout=WAIT))["text"], "anyone?")
        finally:
            await ann.disconnect()

    async def test_empty_message_is_ignored(self):
        room = unique("room")
        ann = await self.join(room)
        try:
            await ann.send_json_to({"user": "ann", "text": "   "})
            self.assertTrue(await ann.receive_nothing(timeout=0.5))
        finally:
            await ann.disconnect()

    async def test_across_servers(self):
        # Use case 4: a second, independent channel layer stands for another daphne process.
        room = unique("room")
        other_server = RedisChannelLayer(hosts=[settings.REDIS_URL])
        ann = await self.join(room)
        try:
            # A member on the other server receives what ann sends here...
            remote = await other_server.new_channel()
            await other_server.group_add(f"chat.{room}", remote)
            await ann.send_json_to({"user": "ann", "text": "to the other server"})
            event = await asyncio.wait_for(other_server.receive(remote), WAIT)
            self.assertEqual((event["type"], event["text"], event["server"]), ("chat.message", "to the other server", settings.SERVER_NAME))
            self.assertEqual((await ann.receive_json_from(timeout=WAIT))["text"], "to the other server")
            # ...and what the other server sends to the group reaches ann here.
            await other_server.group_send(
                f"chat.{room}", {"type": "chat.message", "text": "from afar", "user": "zoe", "server": "other-server"}
            )
            message = await ann.receive_json_from(timeout=WAIT)
            self.assertEqual((message["text"], message["sent_via"], message["delivered_by"]), ("from afar", "other-server", settings.SERVER_NAME))
            await other_server.group_discard(f"chat.{room}", remote)
        finally:
            await ann.disconnect()


class PageAndCacheTests(SimpleTestCase):
    def test_index_page_counts_visits_in_the_cache(self):
        first = self.client.get("/")
        self.assertEqual(first.status_code, 200)
        self.assertContains(first, 'id="chat-log"')
        self.assertContains(first, settings.SERVER_NAME)
        before = cache.get("visits")
        self.client.get("/")
        self.assertEqual(cache.get("visits"), before + 1)

    def test_cache_round_trip(self):
        key = unique("key")
        cache.set(key, {"a": [1, 2]}, timeout=30)
        self.assertEqual(cache.get(key), {"a": [1, 2]})
        self.assertTrue(cache.add(unique("k"), 1))
        self.assertFalse(cache.add(key, 2))
        cache.delete(key)
        self.assertIsNone(cache.get(key))
