"""bench_compare.py: the CPython side of bench_compare (tests/bench/bench_compare.c).

The same workloads with the standard library's objects: queue.Queue, ThreadPoolExecutor,
threading.Event, threading.Lock, threading.Thread. bench_compare runs this script once per
round and reads its lines, "workload<TAB>seconds per operation"; the workload names are
bench_compare's. Sizes are smaller than the C ones (CPython is slower), and are multiplied
by the scale given as the only argument.

    python3 tests/bench/bench_compare.py [SCALE]
"""
import concurrent.futures
import queue
import sys
import threading
import time

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0


def size(n):
    return max(1, round(n * SCALE))


STOP = object()


def time_queue(maxsize, pairs, items):
    """Seconds per item: `pairs` producers put `items` in all, `pairs` consumers get them."""
    q = queue.Queue(maxsize)
    per_producer = items // pairs
    start = threading.Barrier(2 * pairs + 1)
    producing = [pairs]
    lock = threading.Lock()

    def produce():
        start.wait()
        for i in range(per_producer):
            q.put(i)
        with lock:
            producing[0] -= 1
            last = producing[0] == 0
        if last:
            for _ in range(pairs):
                q.put(STOP)

    def consume():
        start.wait()
        while q.get() is not STOP:
            pass

    threads = [threading.Thread(target=f) for _ in range(pairs) for f in (produce, consume)]
    for t in threads:
        t.start()
    start.wait()
    begin = time.perf_counter()
    for t in threads:
        t.join()
    return (time.perf_counter() - begin) / (per_producer * pairs)


def task(n):
    return n + 1


def time_pool(style, workers, n):
    """Seconds per task: submit every task, then the result of each (or fire and forget,
    or map, or as_completed), then shut the pool down."""
    begin = time.perf_counter()
    total = 0
    with concurrent.futures.ThreadPoolExecutor(workers) as executor:
        if style == "futures":
            futures = [executor.submit(task, i) for i in range(n)]
            total = sum(f.result() for f in futures)
        elif style == "fire-and-forget":
            for i in range(n):
                executor.submit(task, i)
            total = n * (n + 1) // 2
        elif style == "map":
            total = sum(executor.map(task, range(n)))
        else:
            futures = [executor.submit(task, i) for i in range(n)]
            total = sum(f.result() for f in concurrent.futures.as_completed(futures))
    seconds = time.perf_counter() - begin
    assert total == n * (n + 1) // 2
    return seconds / n


def time_pingpong(rounds):
    """Seconds per round trip of two threads handing a turn over with two Events."""
    ping, pong = threading.Event(), threading.Event()

    def other():
        for _ in range(rounds):
            ping.wait()
            ping.clear()
            pong.set()

    t = threading.Thread(target=other)
    t.start()
    begin = time.perf_counter()
    for _ in range(rounds):
        ping.set()
        pong.wait()
        pong.clear()
    seconds = time.perf_counter() - begin
    t.join()
    return seconds / rounds


def time_counter(n):
    """Seconds per `with lock: counter += 1` on one thread."""
    lock = threading.Lock()
    counter = 0
    begin = time.perf_counter()
    for _ in range(n):
        with lock:
            counter += 1
    return (time.perf_counter() - begin) / n


def time_threads(n, sleep):
    """Seconds per Thread start + join; with sleep, what it costs beyond the 1 ms sleep."""
    target = (lambda: time.sleep(0.001)) if sleep else (lambda: None)
    begin = time.perf_counter()
    for _ in range(n):
        t = threading.Thread(target=target)
        t.start()
        t.join()
    per = (time.perf_counter() - begin) / n
    return per - 0.001 if sleep else per


def main():
    results = [
        ("queue bounded", time_queue(64, 2, size(40000))),
        ("queue unbounded", time_queue(0, 2, size(40000))),
        ("pool futures", time_pool("futures", 2, size(20000))),
        ("pool fire-and-forget", time_pool("fire-and-forget", 2, size(20000))),
        ("pool map", time_pool("map", 2, size(20000))),
        ("pool as_completed", time_pool("as_completed", 2, size(20000))),
        ("ping-pong", time_pingpong(size(2000))),
        ("counter 1 thread", time_counter(size(200000))),
        ("thread create+join", time_threads(size(300), False)),
        ("sleep+join overhead", time_threads(size(20), True)),
    ]
    for workload, seconds in results:
        print(f"{workload}\t{seconds:.6e}")


if __name__ == "__main__":
    main()
