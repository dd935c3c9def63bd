"""``glassnet playground``: the playground's local web server."""
from __future__ import annotations


def add_parser(sub):
    playground = sub.add_parser("playground", help="train small networks on 2-D data in your browser, live",
                                description="Start the playground's local web server and print its URL.")
    playground.add_argument("--port", type=int, default=8000,
                            help="port to listen on (default 8000; 0: any free port)")
    playground.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1: this machine only)")
    playground.add_argument("--allow-remote", action="store_true",
                            help="allow a --host that is not loopback (0.0.0.0, a LAN address): anyone who can "
                                 "reach the port can then use the playground")
    return playground


def run(args) -> int:
    from ..playground import serve

    return serve(host=args.host, port=args.port, allow_remote=args.allow_remote)
