"""Settings for the Tidings demo.

Everything that talks to the broker is standard Django/Channels/Celery configuration pointed at
REDIS_URL. Tidings speaks Redis's protocol, so the same settings work against Tidings or Redis.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# The one broker URL: `npx tidings` listens on 127.0.0.1:6379 by default.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# Each daphne process can be given a name, shown on the page (use case 4: several servers).
SERVER_NAME = os.environ.get("SERVER_NAME", "server")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "tidings-demo-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "channels",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]

ROOT_URLCONF = "tidings_demo.urls"
ASGI_APPLICATION = "tidings_demo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

# The demo keeps nothing in a SQL database.
DATABASES = {}

USE_TZ = True
TIME_ZONE = "UTC"

# 3. Chat: Channels' channel layer on the broker (Lua scripts, sorted sets, BZPOPMIN).
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    },
}

# 2. Background tasks: Celery's broker (lists, BRPOP, sets, hashes) and result backend
# (strings with expiry, pub/sub for ready results).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Django's cache on the broker too (used to count visits).
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        "KEY_PREFIX": "tidings-demo",
    },
}

# 1. Notifications: the channel the listener thread subscribes to.
NOTIFICATIONS_CHANNEL = os.environ.get("NOTIFICATIONS_CHANNEL", "notifications")
# Start the listener thread in AppConfig.ready() (set to 0 for processes that don't serve pages).
NOTIFICATIONS_LISTENER = os.environ.get("NOTIFICATIONS_LISTENER", "1") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"demo": {"handlers": ["console"], "level": os.environ.get("DEMO_LOG_LEVEL", "INFO"), "propagate": False}},
}
