"""Use case 2: a background task run by the Celery worker."""
import socket
import time

from celery import shared_task


@shared_task
def reverse_text(text, delay=0.5):
    """Pretend to work for `delay` seconds, then return the text reversed."""
    time.sleep(min(float(delay), 10.0))
    return {"reversed": text[::-1], "worker": socket.gethostname()}
