# A Celery app whose broker and result backend are on the target server over TLS (rediss://) as an
# ACL user: the settings a Django project puts in settings.py for a hosted TLS broker. From the
# environment: SECURE_PORT (the TLS port), SECURE_USER, SECURE_PASS and SECURE_CA (a CA file; when
# empty, certificates are not verified: ssl_cert_reqs=none, as on hosted platforms).
import os
import ssl

from celery import Celery

PORT = int(os.environ['SECURE_PORT'])
USER = os.environ['SECURE_USER']
PASS = os.environ['SECURE_PASS']
CA = os.environ.get('SECURE_CA', '')

URL = f'rediss://{USER}:{PASS}@127.0.0.1:{PORT}'
TLS = {'ssl_cert_reqs': ssl.CERT_REQUIRED, 'ssl_ca_certs': CA} if CA else {'ssl_cert_reqs': ssl.CERT_NONE}

app = Celery('secure', broker=f'{URL}/0', backend=f'{URL}/1')
app.conf.update(
    broker_use_ssl=TLS,
    redis_backend_use_ssl=TLS,
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task
def add(x, y):
    return x + y


@app.task
def fail(message):
    raise ValueError(message)
