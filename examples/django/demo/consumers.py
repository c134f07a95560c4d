"""Use case 3: chat rooms over WebSockets with Channels.

Every connection joins its room's group on the channel layer. A message is sent to the group, and the
layer (on the broker) delivers it to every member, whichever daphne process holds the socket.
"""
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.group = f"chat.{self.room}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "joined", "room": self.room, "server": settings.SERVER_NAME})

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        text = str(content.get("text", "")).strip()[:1000]
        if not text:
            return
        user = str(content.get("user", "")).strip()[:40] or "anonymous"
        await self.channel_layer.group_send(
            self.group,
            {"type": "chat.message", "text": text, "user": user, "server": settings.SERVER_NAME},
        )

    async def chat_message(self, event):
        await self.send_json(
            {
                "type": "message",
                "room": self.room,
                "text": event["text"],
                "user": event["user"],
                "sent_via": event["server"],
                "delivered_by": settings.SERVER_NAME,
            }
        )
