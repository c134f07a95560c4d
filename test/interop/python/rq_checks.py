# RQ (Debian python3-rq) against the target server: enqueue jobs, run a real burst worker
# (`rq worker --burst`, which forks a work horse per job), then check results, failures and
# registries. Target from TIDINGS_HOST / TIDINGS_PORT. Prints "PASS rq" on success.
import os
import subprocess
import sys

import redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, FinishedJobRegistry

import rq_jobs

HOST = os.environ.get('TIDINGS_HOST', '127.0.0.1')
PORT = int(os.environ.get('TIDINGS_PORT', '6379'))
URL = f'redis://{HOST}:{PORT}/0'
HERE = os.path.dirname(os.path.abspath(__file__))


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f'{what}: expected {expected!r}, got {actual!r}')


r = redis.Redis.from_url(URL)
r.flushdb()
q = Queue('interop', connection=r)
other = Queue('other', connection=r)

added = q.enqueue(rq_jobs.add, 2, 3)
shouted = q.enqueue(rq_jobs.shout, 'hello tidings', job_id='shout-job', description='shout it')
failing = q.enqueue(rq_jobs.explode, 'boom from a job')
binary = q.enqueue(rq_jobs.echo_bytes, bytes(range(256)))
dependent = q.enqueue(rq_jobs.add, 40, 2, depends_on=added)
squares = [other.enqueue(rq_jobs.slow_square, i) for i in range(5)]
at_front = q.enqueue(rq_jobs.shout, 'first', at_front=True)

eq(len(q), 5, 'queued jobs (the dependent one waits in the deferred registry)')
eq(q.job_ids[0], at_front.id, 'at_front job is first')
eq(len(other), 5, 'jobs in the other queue')
eq(Job.fetch('shout-job', connection=r).description, 'shout it', 'job fetched by id')
eq(dependent.get_status(), JobStatus.DEFERRED, 'dependent job deferred')

# A real worker process, exactly as `rq worker --burst` runs in production; it exits when both
# queues are empty.
worker = subprocess.run(
    ['/usr/bin/python3', '-m', 'rq.cli', 'worker', '--burst', '--url', URL, '--name', 'interop-worker', 'interop', 'other'],
    cwd=HERE, capture_output=True, text=True, timeout=180,
    env={**os.environ, 'PYTHONPATH': HERE},
)
if worker.returncode != 0:
    print(worker.stdout, worker.stderr, file=sys.stderr)
    raise AssertionError(f'rq worker exited with {worker.returncode}')

for job in (added, shouted, failing, binary, dependent, at_front, *squares):
    job.refresh()
eq(added.get_status(), JobStatus.FINISHED, 'add status')
eq(added.result, 5, 'add result')
eq(shouted.result, 'HELLO TIDINGS', 'shout result')
eq(at_front.result, 'FIRST', 'at_front result')
eq(binary.result, bytes(range(256))[::-1], 'binary round trip through the job hash')
eq(dependent.result, 42, 'dependent job ran after its dependency')
eq([j.result for j in squares], [0, 1, 4, 9, 16], 'other queue results')

eq(failing.get_status(), JobStatus.FAILED, 'failing job status')
exc = failing.exc_info or ''
if 'ValueError: boom from a job' not in exc:
    raise AssertionError(f'traceback not stored: {exc!r}')
failed = FailedJobRegistry(queue=q)
eq(failed.get_job_ids(), [failing.id], 'failed job registry')
finished = FinishedJobRegistry(queue=q)
eq(sorted(finished.get_job_ids()), sorted([added.id, shouted.id, binary.id, dependent.id, at_front.id]), 'finished registry')
eq(len(q), 0, 'queue drained')
eq(len(other), 0, 'other queue drained')

# Requeue the failed job and let another burst worker fail it again: the registry keeps it.
failed.requeue(failing.id)
eq(len(q), 1, 'requeued job is back in the queue')
subprocess.run(['/usr/bin/python3', '-m', 'rq.cli', 'worker', '--burst', '--url', URL, 'interop'],
               cwd=HERE, capture_output=True, timeout=180, env={**os.environ, 'PYTHONPATH': HERE}, check=True)
failing.refresh()
eq(failing.get_status(), JobStatus.FAILED, 'requeued job failed again')
eq(len(q), 0, 'queue drained again')

# Worker bookkeeping: the burst worker registered itself and cleaned up when it left.
from rq import Worker
eq(Worker.all(connection=r), [], 'no worker registered after the burst')
print('PASS rq')
