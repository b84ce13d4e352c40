"""The playground's web server: Starlette routes and one WebSocket per open page.

``create_app`` returns the ASGI app: the page's static files, ``/ws`` (the page's
WebSocket: settings and controls in, frames out), ``/upload`` (a CSV, size-capped) and
``/export/run.zip`` / ``/export/script.py``. Every request passes :class:`Gate` first:
with a token (any address other than loopback) a request must carry ``?token=...`` or
the cookie that the first such request sets; bound to loopback, the Host header must
name a loopback host (no DNS rebinding). A WebSocket or upload from another origin is
refused either way.

Training runs in a worker thread (``asyncio.to_thread``) a few batches at a time
(:data:`TICK_SECONDS`); the page acknowledges each frame it has drawn and the server
keeps at most :data:`IN_FLIGHT` frames unacknowledged, so a slow page slows the
training instead of queueing frames, and a control change waits for one tick at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import TinypropError
from .data import MAX_CSV_BYTES, Table, parse_csv
from .session import Session
from .settings import Settings

STATIC = Path(__file__).parent / "static"
TICK_SECONDS = 0.025
"""Training time per frame while playing (at most one epoch)."""
IN_FLIGHT = 1
"""Frames sent but not yet acknowledged by the page, at most."""
MAX_SESSIONS = 16
"""Open pages at once; more are refused (each holds a network and its data)."""
COOKIE = "tinyprop_playground_token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_CSP = ("default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        "script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'")


def _host_name(value: str) -> str:
    """``host`` of a ``host:port`` / ``[v6]:port`` header value, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Gate:
    """ASGI middleware: the token (when set), the loopback Host check, same-origin
    WebSockets and uploads. A refused HTTP request gets 403 and one line of text; a
    refused WebSocket is closed before it is accepted (the client sees 403)."""

    def __init__(self, app, token: str | None, loopback: bool) -> None:
        self.app, self.token, self.loopback = app, token, loopback

    def _headers(self, scope) -> dict:
        return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

    def _refusal(self, scope) -> tuple[str | None, bool]:
        """(why the request is refused or None, whether it showed the token in its URL)."""
        headers = self._headers(scope)
        host = headers.get("host", "")
        if self.loopback and _host_name(host) not in LOOPBACK_NAMES:
            return "the Host header must name this computer (127.0.0.1 or localhost)", False
        origin = headers.get("origin")
        same_origin_needed = scope["type"] == "websocket" or scope.get("method") == "POST"
        if origin and same_origin_needed and urlsplit(origin).netloc.lower() != host.lower():
            return "requests from another site are refused", False
        if self.token is None:
            return None, False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [""])[0]
        if given and hmac.compare_digest(given, self.token):
            return None, True
        cookie = SimpleCookie()
        with contextlib.suppress(Exception):
            cookie.load(headers.get("cookie", ""))
        if COOKIE in cookie and hmac.compare_digest(cookie[COOKIE].value, self.token):
            return None, False
        return ("this playground needs its access token: open the URL that `tinyprop "
                "playground` printed (it ends in ?token=...)"), False

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        why, in_url = self._refusal(scope)
        if why is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = f"403 forbidden: {why}\n".encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if in_url and scope["type"] == "http":
            cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()

            async def send_with_cookie(message):
                if message["type"] == "http.response.start":
                    message = dict(message)
                    message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
                await send(message)

            await self.app(scope, receive, send_with_cookie)
            return
        await self.app(scope, receive, send)


class Playground:
    """The server's state: the open sessions and the settings a new page starts with."""

    def __init__(self, settings: Settings | None = None, table: Table | None = None) -> None:
        self.settings = settings or Settings()
        self.table = table
        self.sessions: dict[str, Session] = {}

    def session(self, request) -> Session | None:
        return self.sessions.get(request.query_params.get("sid", ""))


def _json(message) -> str:
    return json.dumps(message, allow_nan=False, default=_default)


def _default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"cannot send {type(o).__name__}")


def _finite(message):
    """NaN and infinities (a diverged network) become None: JSON has no NaN."""
    import math

    if isinstance(message, float):
        return message if math.isfinite(message) else None
    if isinstance(message, dict):
        return {k: _finite(v) for k, v in message.items()}
    if isinstance(message, list):
        return [_finite(v) for v in message]
    return message


class _Page:
    """One WebSocket: its session, the play loop and the messages from the page."""

    def __init__(self, ws, playground: Playground) -> None:
        self.ws, self.pg = ws, playground
        self.session: Session | None = None
        self.sid = secrets.token_urlsafe(12)
        self.playing = False
        self.unacked = 0
        self.acked = asyncio.Event()
        self.send_lock = asyncio.Lock()
        self.loop_task: asyncio.Task | None = None

    async def send(self, message: dict) -> None:
        async with self.send_lock:
            await self.ws.send_text(_json(_finite(message)))

    async def error(self, text: str, kind: str = "settings") -> None:
        await self.send({"type": "error", "kind": kind, "message": text})

    async def state(self) -> None:
        await self.send({"type": "state", "playing": self.playing})

    async def start(self, hello: dict) -> None:
        settings, note = self.pg.settings, None
        if isinstance(hello.get("settings"), dict) and hello["settings"]:
            try:
                settings = settings.updated(hello["settings"])
                if settings.dataset == "csv" and self.pg.table is None:
                    settings = settings.updated({"dataset": Settings().dataset})
            except TinypropError as e:
                note = f"the link's settings were not used: {e}"
        self.session = await asyncio.to_thread(Session, settings, self.pg.table)
        self.pg.sessions[self.sid] = self.session
        await self.send({"type": "hello", "sid": self.sid})
        await self.send(await asyncio.to_thread(self.session.init_message))
        if note:
            await self.error(note)

    async def play_loop(self) -> None:
        s = self.session
        while self.playing:
            while self.unacked >= IN_FLIGHT:
                self.acked.clear()
                await self.acked.wait()
            frame = await asyncio.to_thread(s.advance, seconds=TICK_SECONDS)
            frame["tick"] = True  # the page acknowledges these (flow control)
            self.unacked += 1
            await self.send(frame)
            if frame.get("diverged"):
                self.playing = False
                await self.state()

    async def handle(self, msg: dict) -> None:
        kind = msg.get("type")
        s = self.session
        if kind == "ack":
            self.unacked = max(0, self.unacked - 1)
            self.acked.set()
        elif kind == "play":
            if not self.playing:
                self.playing = True
                self.loop_task = asyncio.create_task(self.play_loop())
            await self.state()
        elif kind == "pause":
            self.playing = False
            await self.state()
        elif kind == "step":
            await self.send(await asyncio.to_thread(s.advance, batches=1))
        elif kind == "trace":
            await self.send(await asyncio.to_thread(s.trace))
        elif kind == "reset":
            await asyncio.to_thread(s.reset)
            await self.send(await asyncio.to_thread(s.init_message))
        elif kind == "set":
            await self.set(msg.get("changes"), msg.get("id"))
        else:
            await self.error(f"unknown message type {kind!r}", kind="protocol")

    async def set(self, changes, request_id) -> None:
        s = self.session
        try:
            restarted = await asyncio.to_thread(s.apply, changes)
        except TinypropError as e:
            await self.error(str(e))
            await self.send({"type": "applied", "id": request_id, "version": s.version,
                             "settings": s.settings.to_dict(), "ok": False})
            return
        await self.send({"type": "applied", "id": request_id, "version": s.version,
                         "settings": s.settings.to_dict(), "ok": True})
        if restarted:
            await self.send(await asyncio.to_thread(s.init_message))
        elif not self.playing:
            await self.send(await asyncio.to_thread(s.frame))

    async def close(self) -> None:
        self.playing = False
        self.acked.set()
        if self.loop_task is not None:
            self.loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.loop_task
        self.pg.sessions.pop(self.sid, None)


def create_app(settings: Settings | None = None, table: Table | None = None, *,
               token: str | None = None, loopback: bool = True):
    """The ASGI app (Starlette inside :class:`Gate`)."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocketDisconnect

    pg = Playground(settings, table)
    files = {p.name: p.read_bytes() for p in STATIC.iterdir() if p.suffix in _TYPES}

    def static(name: str):
        async def endpoint(request):
            return Response(files[name], media_type=_TYPES[Path(name).suffix],
                            headers={"Content-Security-Policy": _CSP,
                                     "Cache-Control": "no-store",
                                     "X-Content-Type-Options": "nosniff"})
        return endpoint

    async def upload(request):
        session = pg.session(request)
        if session is None:
            return JSONResponse({"error": "unknown page; reload it"}, status_code=400)
        size = int(request.headers.get("content-length") or 0)
        if size > MAX_CSV_BYTES:
            return JSONResponse({"error": f"the CSV file is {size:,} bytes, more than the "
                                 f"{MAX_CSV_BYTES:,} the playground accepts"}, status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_CSV_BYTES:
                return JSONResponse({"error": f"the CSV file is more than {MAX_CSV_BYTES:,} "
                                     "bytes, the most the playground accepts"}, status_code=413)
        problem = request.query_params.get("problem", session.settings.problem)
        if problem not in ("classification", "regression"):
            problem = session.settings.problem
        name = request.query_params.get("name", "upload.csv")[:100]
        try:
            table = parse_csv(bytes(body), problem, name)
            await asyncio.to_thread(session.set_table, table)
        except TinypropError as e:
            return JSONResponse({"error": f"{name}: {e}"}, status_code=400)
        return JSONResponse({"ok": True, "rows": len(table.y), "problem": table.problem})

    async def export_zip(request):
        from .export import run_zip

        session = pg.session(request)
        if session is None:
            return PlainTextResponse("unknown page; reload it", status_code=400)
        data = await asyncio.to_thread(run_zip, session)
        return Response(data, media_type="application/zip", headers={
            "Content-Disposition": 'attachment; filename="playground-run.zip"'})

    async def export_script(request):
        from .export import script

        session = pg.session(request)
        if session is None:
            return PlainTextResponse("unknown page; reload it", status_code=400)
        with session.lock:
            text = script(session)
        return Response(text, media_type="text/x-python; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="train_playground.py"'})

    async def websocket(ws):
        await ws.accept()
        if len(pg.sessions) >= MAX_SESSIONS:
            await ws.send_text(_json({"type": "error", "kind": "server", "message":
                                      f"{MAX_SESSIONS} pages are open already; close one"}))
            await ws.close()
            return
        page = _Page(ws, pg)
        try:
            while True:
                text = await ws.receive_text()
                try:
                    msg = json.loads(text)
                    if not isinstance(msg, dict):
                        raise ValueError("not an object")
                except ValueError:
                    await page.error("messages must be JSON objects", kind="protocol")
                    continue
                if page.session is None:
                    await page.start(msg)
                else:
                    await page.handle(msg)
        except WebSocketDisconnect:
            pass
        finally:
            await page.close()

    async def no_icon(request):
        return Response(status_code=204)

    routes = [Route("/", static("index.html")), Route("/favicon.ico", no_icon),
              *[Route(f"/static/{name}", static(name)) for name in files],
              Route("/upload", upload, methods=["POST"]),
              Route("/export/run.zip", export_zip), Route("/export/script.py", export_script),
              WebSocketRoute("/ws", websocket)]
    app = Starlette(routes=routes)
    app.state.playground = pg
    return Gate(app, token, loopback)
