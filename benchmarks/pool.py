"""Where the contenders run, and how they are timed: interleaved rounds of best-of.

``Isolated`` (the default of ``run.py`` and ``scaling.py``) starts one worker process per
library -- NumPy (tinyprop and the NumPy bounds), PyTorch, JAX, scikit-learn -- so that
no two libraries' thread pools (NumPy's OpenBLAS, PyTorch's OpenMP, XLA's) share a
process. The parent still takes the rounds in turns across the workers, one contender
at a time, so a slow spell of a shared machine falls on all of them alike. ``Local``
builds every contender in this process (``--no-isolate``).

A worker is this file run as a script: it reads one JSON command per line on stdin and
answers one JSON line; the timing itself happens inside the worker, so the pipe costs
nothing that is measured.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _timed(fn, number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


class Local:
    """Every contender in this process."""

    isolated = False

    def __init__(self, quick: bool = False) -> None:
        import workloads as W

        self.W, self.quick, self.fns, self.libs = W, quick, {}, set()

    def add(self, key: str, workload: str, name: str, warmup: int = 1, **params) -> None:
        fn = self.W.make(workload, name, self.quick, **params)
        for _ in range(warmup):
            fn()
        self.fns[key] = fn
        self.libs.add(self.W.LIBRARY[name])

    def time(self, key: str, number: int) -> float:
        return _timed(self.fns[key], number)

    def drop(self, key: str) -> None:
        self.fns.pop(key, None)

    def threadpools(self) -> dict:
        return {"all libraries (one process)": self.W.threadpools()}

    def close(self) -> None:
        self.fns.clear()


class Isolated:
    """One worker process per library; the contenders of a library share its worker."""

    isolated = True

    def __init__(self, quick: bool = False) -> None:
        import workloads as W

        self.W, self.quick, self.workers, self.owner = W, quick, {}, {}

    def _worker(self, lib: str):
        proc = self.workers.get(lib)
        if proc is None:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                [str(HERE)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve())],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                    env=env, bufsize=1)
            self.workers[lib] = proc
        return proc

    def _ask(self, lib: str, **cmd):
        proc = self._worker(lib)
        proc.stdin.write(json.dumps(cmd) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {lib} worker exited (code {proc.wait()})")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(f"the {lib} worker failed:\n{answer.get('error')}")
        return answer

    def add(self, key: str, workload: str, name: str, warmup: int = 1, **params) -> None:
        lib = self.W.LIBRARY[name]
        self._ask(lib, cmd="add", key=key, workload=workload, name=name, quick=self.quick,
                  warmup=warmup, params=params)
        self.owner[key] = lib

    def time(self, key: str, number: int) -> float:
        return self._ask(self.owner[key], cmd="time", key=key, number=number)["seconds"]

    def drop(self, key: str) -> None:
        lib = self.owner.pop(key, None)
        if lib is not None:
            self._ask(lib, cmd="drop", key=key)

    def threadpools(self) -> dict:
        return {lib: self._ask(lib, cmd="pools")["pools"] for lib in sorted(self.workers)}

    def close(self) -> None:
        for proc in self.workers.values():
            try:
                proc.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
                proc.stdin.close()
                proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
        self.workers.clear()


def interleaved(pool, keys, repeat: int, number: int) -> dict:
    """Best mean time per call of each contender over ``repeat`` rounds; each round times
    ``number`` calls of every contender, in a new (seeded) order each round."""
    best = dict.fromkeys(keys, float("inf"))
    order = list(keys)
    shuffle = random.Random(0).shuffle
    for _ in range(repeat):
        shuffle(order)
        for key in order:
            best[key] = min(best[key], pool.time(key, number))
    return best


def _serve() -> None:
    """The worker loop: build, time and drop contenders on command."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # whatever a library prints must not reach the protocol
    import workloads as W

    fns = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            kind = cmd["cmd"]
            if kind == "exit":
                break
            answer = {"ok": True}
            if kind == "add":
                fn = W.make(cmd["workload"], cmd["name"], cmd["quick"], **cmd["params"])
                for _ in range(cmd["warmup"]):
                    fn()
                fns[cmd["key"]] = fn
            elif kind == "time":
                answer["seconds"] = _timed(fns[cmd["key"]], cmd["number"])
            elif kind == "drop":
                fns.pop(cmd["key"], None)
            elif kind == "pools":
                answer["pools"] = W.threadpools()
        except Exception:  # noqa: BLE001 - reported to the parent, which raises
            answer = {"ok": False, "error": traceback.format_exc()}
        out.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    _serve()
