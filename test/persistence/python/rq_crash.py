# RQ against a server that is killed: `enqueue PORT` enqueues jobs until the connection dies,
# printing the ID of each job once RQ's enqueue returned (acknowledged by the server);
# `process PORT ID...` checks every given job is there, runs them with a burst worker, and prints
# one JSON line: the jobs missing before the run and those not finished (with the right result).
import json
import sys

import redis
from rq import Queue, SimpleWorker
from rq.job import Job


def double(n):
    return 2 * n


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    conn = redis.Redis(host="127.0.0.1", port=port)
    queue = Queue("crash", connection=conn)
    if mode == "enqueue":
        n = 0
        try:
            while True:
                job = queue.enqueue("rq_crash.double", n, job_id=f"job-{n}")
                print(job.id, flush=True)
                n += 1
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            return
    ids = sys.argv[3:]
    missing = [i for i in ids if not Job.exists(i, connection=conn)]
    SimpleWorker([queue], connection=conn).work(burst=True)
    unfinished = []
    for i in ids:
        try:
            job = Job.fetch(i, connection=conn)
        except Exception:
            unfinished.append(i)
            continue
        if job.get_status() != "finished" or job.return_value() != 2 * int(i.split("-")[1]):
            unfinished.append(i)
    print(json.dumps({"missing": missing, "unfinished": unfinished, "checked": len(ids)}), flush=True)


if __name__ == "__main__":
    main()
