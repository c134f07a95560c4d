#!/usr/bin/python3
"""Python job-queue round trips for bench/queues.mjs, run with Debian's /usr/bin/python3.

  rq      python3-rq: enqueue N jobs, then a burst SimpleWorker drains them in this process (no fork
          per job), so the time is the queue's own traffic: enqueue (MULTI/HSET/RPUSH ...), dequeue
          (BLPOP/LMOVE), status updates and registries. The job function is operator.mul given by
          dotted path (RQ refuses functions defined in __main__).
  celery  python3-celery with Redis as broker and result backend: a solo-pool worker runs in a child
          process; send N tasks and wait for all results (jobs/s), then M tasks one at a time
          (delay -> result.get latency; results arrive through the backend's pub/sub).

Prints one JSON line. With --server-pid, also the server's CPU seconds (utime+stime from
/proc/<pid>/stat) over the measured phases only (not interpreter or worker start-up).
"""
import argparse
import json
import logging
import os
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    if not pid:
        return 0.0
    with open("/proc/%d/stat" % pid, "rb") as f:
        stat = f.read().decode("latin1")
    rest = stat[stat.rindex(")") + 2:].split(" ")
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    i = min(len(s) - 1, max(0, -(-p * len(s) // 100) - 1))
    return s[int(i)]


def run_rq(args):
    from redis import Redis
    from rq import Queue, SimpleWorker

    logging.getLogger("rq.worker").setLevel(logging.WARNING)
    conn = Redis(host="127.0.0.1", port=args.port)
    q = Queue("bench-%d" % int(time.time() * 1000), connection=conn)

    cpu0 = cpu_seconds(args.server_pid)
    t0 = time.perf_counter()
    jobs = [q.enqueue("operator.mul", i, 2, result_ttl=60) for i in range(args.jobs)]
    t1 = time.perf_counter()
    w = SimpleWorker([q], connection=conn)
    w.work(burst=True, logging_level="WARNING")
    t2 = time.perf_counter()
    cpu1 = cpu_seconds(args.server_pid)

    finished = sum(1 for j in jobs if j.get_status(refresh=True) == "finished")
    if finished != args.jobs:
        raise SystemExit("only %d of %d jobs finished" % (finished, args.jobs))
    return {"jobs": args.jobs, "enqueue_s": t1 - t0, "work_s": t2 - t1, "server_cpu": cpu1 - cpu0}


def celery_app(port, queue):
    from celery import Celery

    url = "redis://127.0.0.1:%d/0" % port
    app = Celery("bench", broker=url, backend=url)
    app.conf.update(
        task_default_queue=queue,
        worker_hijack_root_logger=False,
        worker_prefetch_multiplier=16,
        broker_connection_retry_on_startup=True,
        result_expires=600,
    )

    @app.task(name="bench.mul")
    def mul(a, b):
        return a * b

    return app, mul


def run_celery_worker(args):
    app, _ = celery_app(args.port, args.queue)
    app.worker_main(["worker", "--pool=solo", "--concurrency=1", "--loglevel=WARNING", "-Q", args.queue,
                     "--without-gossip", "--without-mingle", "--without-heartbeat"])


def run_celery(args):
    queue = "bench-%d" % int(time.time() * 1000)
    app, mul = celery_app(args.port, queue)
    worker = subprocess.Popen([sys.executable, os.path.abspath(__file__), "celery-worker", "--port", str(args.port),
                               "--queue", queue], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Ready when a first task comes back (the worker has connected and consumes the queue).
        mul.delay(1, 1).get(timeout=60)
        for i in range(20):  # warm-up
            mul.delay(i, 2).get(timeout=30)

        cpu0 = cpu_seconds(args.server_pid)
        t0 = time.perf_counter()
        results = [mul.delay(i, 2) for i in range(args.jobs)]
        for i, r in enumerate(results):
            if r.get(timeout=120) != i * 2:
                raise SystemExit("wrong result for task %d" % i)
        t1 = time.perf_counter()
        cpu1 = cpu_seconds(args.server_pid)

        lat = []
        cpu2 = cpu_seconds(args.server_pid)
        t2 = time.perf_counter()
        for i in range(args.seq):
            s = time.perf_counter()
            mul.delay(i, 3).get(timeout=30)
            lat.append((time.perf_counter() - s) * 1000)
        t3 = time.perf_counter()
        cpu3 = cpu_seconds(args.server_pid)
        return {"jobs": args.jobs, "batch_s": t1 - t0, "server_cpu": cpu1 - cpu0,
                "seq": args.seq, "seq_s": t3 - t2, "seq_server_cpu": cpu3 - cpu2,
                "p50": percentile(lat, 50), "p99": percentile(lat, 99)}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["rq", "celery", "celery-worker"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--seq", type=int, default=200)
    ap.add_argument("--server-pid", type=int, default=0)
    ap.add_argument("--queue", default="bench")
    args = ap.parse_args()
    if args.mode == "celery-worker":
        run_celery_worker(args)
        return
    out = run_rq(args) if args.mode == "rq" else run_celery(args)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
