# Job functions for the RQ interop checks (imported by the RQ worker by module path).
import time


def add(a, b):
    return a + b


def shout(text):
    return text.upper()


def explode(message):
    raise ValueError(message)


def echo_bytes(data):
    return data[::-1]


def slow_square(x):
    time.sleep(0.05)
    return x * x
