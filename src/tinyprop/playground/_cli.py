"""``tinyprop playground``: its options (imports nothing heavy) and the command."""

from __future__ import annotations

import ipaddress
import socket
import sys


def add_arguments(p) -> None:
    """The playground's options on the ``playground`` subparser."""
    p.description = (
        "Start a local web server and open the playground: watch tinyprop's real engines\n"
        "train a small network on 2-D data, step through backpropagation layer by layer,\n"
        "and take the model home as a run directory and a Python script.\n"
        "Needs the playground extra: pip install -e \".[playground]\".")
    p.epilog = (
        "examples:\n"
        "  tinyprop playground                      # http://127.0.0.1:<free port>/, opened\n"
        "  tinyprop playground --port 8765 --no-browser\n"
        "  tinyprop playground --data points.csv    # columns x1,x2,label\n"
        "  tinyprop playground --data heights.csv --problem regression\n"
        "  tinyprop playground --host 0.0.0.0       # other computers: the URL has a token")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this computer only); any "
                        "other address requires the random access token printed in the URL")
    p.add_argument("--port", type=int, default=0,
                   help="port to listen on (default 0: a free port)")
    p.add_argument("--no-browser", action="store_true",
                   help="print the URL without opening a browser")
    p.add_argument("--data", metavar="FILE.csv",
                   help="start with your own points: a CSV of two feature columns and a "
                        "label column (header optional), at most 1 MiB")
    p.add_argument("--problem", choices=("classification", "regression"),
                   default="classification",
                   help="what the label column of --data is (default classification: "
                        "two classes)")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) only accepts this computer."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    from .._validate import check_int
    from ..errors import ConfigError

    check_int(port, "--port", low=0, high=65535, fix="try --port 8765, or 0 for a free one")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ConfigError(f"--host {host!r} is not an address this computer knows ({e}); "
                          "try --host 127.0.0.1") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({e.strerror}); choose another "
                          "--port, or 0 for a free one") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _read_table(path: str, problem: str):
    from ..errors import DataError
    from ..io._read import read_regular
    from .data import MAX_CSV_BYTES, parse_csv

    try:
        raw = read_regular(path, "a CSV file", max_bytes=MAX_CSV_BYTES, error=DataError)
    except FileNotFoundError:
        raise DataError(f"--data {path}: no such file; check the path") from None
    try:
        return parse_csv(raw, problem, name=path)
    except DataError as e:
        raise DataError(f"--data {path}: {e}") from None


def command(args) -> int:
    """Run the playground until Ctrl-C."""
    import secrets

    from .._optional import require

    for module, package in (("starlette", "starlette"), ("uvicorn", "uvicorn"),
                            ("websockets", "websockets")):
        try:
            require(module, "tinyprop playground", package)
        except ImportError as e:
            raise ImportError(f"{e}; or install everything it needs with "
                              "pip install \"tinyprop[playground]\"") from None
    from .server import create_app
    from .settings import Settings

    table = _read_table(args.data, args.problem) if args.data else None
    settings = Settings(problem=args.problem)
    if table is not None:
        settings = settings.updated({"dataset": "csv", "problem": table.problem})
    loopback = is_loopback(args.host)
    token = None if loopback else secrets.token_urlsafe(24)
    sock = _bind(args.host, args.port)
    port = sock.getsockname()[1]
    shown = args.host if loopback or args.host not in ("0.0.0.0", "::") else socket.gethostname()
    shown = f"[{shown}]" if ":" in shown else shown
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    app = create_app(settings, table, token=token, loopback=loopback)
    return _serve(app, sock, url, open_browser=not args.no_browser, json_out=args.json)


def _serve(app, sock, url: str, *, open_browser: bool, json_out: bool) -> int:
    import json
    import threading
    import time
    import webbrowser

    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="off",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)

    def announce():
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if not server.started:
            return
        if json_out:
            print(json.dumps({"url": url}), flush=True)
        else:
            print(f"tinyprop playground: {url}\n  (Ctrl-C stops the server)", flush=True)
        if open_browser:
            webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then re-raised the Ctrl-C
        pass
    finally:
        sock.close()
    if not json_out:
        print("tinyprop playground: stopped", file=sys.stderr, flush=True)
    return 0
