import redis
import threading
import time

r = redis.Redis(host='localhost', port=6379, db=0)

# Function to listen for messages

def listen():
    pubsub = r.pubsub()
    pubsub.subscribe('notifications')
    for message in pubsub.listen():
        if message['type'] == 'message':
            print(f"Received: {message['data'].decode()}")

# Start listener in a separate thread
listener_thread = threading.Thread(target=listen, daemon=True)
listener_thread.start()

# Simulate sending messages
for i in range(3):
    msg = f"Notification {i+1}"
    r.publish('notifications', msg)
    print(f"Sent: {msg}")
    time.sleep(1)
