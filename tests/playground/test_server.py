"""The server without a browser: the access token, the Host and Origin checks, the
WebSocket protocol and the command line (a real process, stopped with Ctrl-C)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from playground.pg_support import CLI, server_log, start_server, stop_server  # noqa: E402
from tinyprop.playground._cli import is_loopback  # noqa: E402
from tinyprop.playground.server import COOKIE, create_app  # noqa: E402


def run(coroutine) -> None:
    """``asyncio.run`` in a thread of its own: Playwright's sync API may hold this one's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def http(app, path="/", *, query="", headers=None, method="GET", body=b""):
    """One HTTP request straight into the ASGI app: (status, headers, body)."""
    headers = {"host": "127.0.0.1:8000", **(headers or {})}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": query.encode(), "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 50000),
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, data


def websocket(app, messages, *, query="", headers=None):
    """A WebSocket session straight into the ASGI app: what the server sent."""
    headers = {"host": "127.0.0.1:8000", **(headers or {})}
    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "scheme": "ws", "path": "/ws", "raw_path": b"/ws", "root_path": "",
             "query_string": query.encode(), "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 50000), "subprotocols": [],
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    incoming = [{"type": "websocket.connect"},
                *[{"type": "websocket.receive", "text": json.dumps(m)} for m in messages],
                {"type": "websocket.disconnect", "code": 1000}]
    sent = []

    async def receive():
        await asyncio.sleep(0)
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    run(app(scope, receive, send))
    return sent


def texts(sent):
    return [json.loads(m["text"]) for m in sent if m["type"] == "websocket.send"]


def test_token_is_required_off_loopback():
    app = create_app(token="s3cret", loopback=False)
    assert http(app, "/")[0] == 403
    assert http(app, "/", query="token=wrong")[0] == 403
    status, headers, body = http(app, "/", query="token=s3cret")
    assert status == 200 and b"tinyprop playground" in body
    assert headers["set-cookie"].startswith(f"{COOKIE}=s3cret")
    assert "script-src 'self'" in headers["content-security-policy"]
    # the cookie lets the page's own files and requests in without the query
    cookie = {"cookie": f"{COOKIE}=s3cret"}
    assert http(app, "/static/app.js", headers=cookie)[0] == 200
    assert http(app, "/static/app.js")[0] == 403
    assert http(app, "/export/script.py", query="sid=nope", headers=cookie)[0] == 400
    refused = websocket(app, [{"type": "hello"}])
    assert refused == [{"type": "websocket.close", "code": 1008}]
    allowed = texts(websocket(app, [{"type": "hello"}], query="token=s3cret"))
    assert [m["type"] for m in allowed[:2]] == ["hello", "init"]


def test_loopback_needs_no_token_but_a_loopback_host():
    app = create_app(loopback=True)
    assert http(app, "/")[0] == 200
    assert http(app, "/", headers={"host": "localhost:8000"})[0] == 200
    status, _, body = http(app, "/", headers={"host": "evil.example:8000"})
    assert status == 403 and b"Host header" in body  # DNS rebinding
    cross = websocket(app, [{"type": "hello"}], headers={"origin": "http://evil.example"})
    assert cross == [{"type": "websocket.close", "code": 1008}]
    upload = http(app, "/upload", method="POST", headers={"origin": "http://evil.example"})
    assert upload[0] == 403


def test_websocket_protocol_trains_and_refuses_bad_settings():
    app = create_app()
    sent = texts(websocket(app, [
        {"type": "hello", "settings": {"hidden": "3", "seed": "2"}},
        {"type": "step"},
        {"type": "set", "changes": {"lr": -1}, "id": 1},
        {"type": "set", "changes": {"lr": 0.1}, "id": 2},
        {"type": "trace"},
        {"type": "nonsense"},
    ]))
    kinds = [m["type"] for m in sent]
    assert kinds[:3] == ["hello", "init", "frame"]
    init = sent[1]
    assert init["settings"]["hidden"] == [3] and init["settings"]["seed"] == 2
    assert sent[2]["step"] == 1
    error = next(m for m in sent if m["type"] == "error" and m["kind"] == "settings")
    assert "lr must be > 0" in error["message"]
    applied = [m for m in sent if m["type"] == "applied"]
    assert [a["ok"] for a in applied] == [False, True] and applied[1]["settings"]["lr"] == 0.1
    trace = next(m for m in sent if m["type"] == "trace")
    assert trace["frame"]["step"] == 2 and len(trace["trace"]["layers"]) == 2
    assert any(m["type"] == "error" and m["kind"] == "protocol" for m in sent)


def test_a_bad_link_falls_back_to_the_defaults():
    sent = texts(websocket(create_app(), [{"type": "hello", "settings": {"hidden": "99"}}]))
    assert sent[1]["type"] == "init" and sent[1]["settings"]["hidden"] == [4, 2]
    assert "the link's settings were not used" in sent[2]["message"]


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False)])
def test_which_hosts_are_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_the_parser_imports_no_web_server():
    code = ("import sys; from tinyprop.cli import build_parser; p = build_parser(); "
            "p.parse_args(['playground', '--port', '1']); "
            "print([m for m in ('starlette', 'uvicorn', 'websockets') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize("content, words", [
    (None, "no such file"),
    ("x1,x2,label\n0,0,0\n1,1,1\n2,2,2\n3,3,0\n", "has 3 classes"),
])
def test_a_bad_data_file_is_one_error_line(tmp_path, content, words):
    path = tmp_path / "points.csv"
    if content is not None:
        path.write_text(content)
    r = subprocess.run([*CLI, "playground", "--no-browser", "--data", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("tinyprop: error: --data") and words in r.stderr


def test_a_busy_port_is_one_error_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = subprocess.run([*CLI, "playground", "--no-browser", "--port", str(port)],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "cannot listen on 127.0.0.1" in r.stderr


def test_the_command_serves_and_stops_on_ctrl_c(tmp_path):
    websockets = pytest.importorskip("websockets.sync.client")
    csv = tmp_path / "mine.csv"
    csv.write_text("x1,x2,y\n" + "".join(f"{i % 7},{i % 5},{(i % 7) * 0.5}\n" for i in range(30)))
    proc, url = start_server("--data", str(csv), "--problem", "regression")
    try:
        assert url.startswith("http://127.0.0.1:") and "token" not in url
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
        request = urllib.request.Request(url, headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(request, timeout=10)
        assert e.value.code == 403
        e.value.close()
        with websockets.connect(url.replace("http", "ws") + "ws") as ws:
            ws.send(json.dumps({"type": "hello"}))
            assert json.loads(ws.recv(timeout=30))["type"] == "hello"
            init = json.loads(ws.recv(timeout=30))
            assert init["settings"]["dataset"] == "csv" and init["problem"] == "regression"
            assert len(init["train"]["y"]) + len(init["test"]["y"]) == 30
            ws.send(json.dumps({"type": "play"}))
            ticks = 0
            while ticks < 3:  # training runs: acknowledge frames as the page does
                message = json.loads(ws.recv(timeout=30))
                if message.get("tick"):
                    ticks += 1
                    ws.send(json.dumps({"type": "ack"}))
            code = stop_server(proc)  # Ctrl-C while a page is open and training
    finally:
        if proc.poll() is None:
            code = stop_server(proc)
        log = server_log(proc)
    assert code == 0 and "Traceback" not in log, log
