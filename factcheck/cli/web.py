"""`factcheck serve` and `factcheck site`: the read-only web view, live or as static files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from .output import ForceFlag, escape, say
from .state import reading, state

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on; only this machine by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes; one per CPU core serves the most readers.")
    ] = 1,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="A name the server is reached by besides its address and localhost (a proxy's); repeatable.",
        ),
    ] = None,
) -> None:
    """Serve a read-only web view of the database (GET and HEAD only), until Ctrl-C."""
    import socket

    import uvicorn  # heavy: only this command needs the web stack

    from ..db import require_current
    from ..errors import InvalidInput
    from ..web.app import APP_FACTORY, ENV_SERVE_DB, ENV_SERVE_HOSTS, create_app
    from ..web.server import Protocol

    url = state(ctx).url
    require_current(url)  # a database that cannot be opened stops here, in one line
    if host not in LOOPBACK:
        typer.echo(
            f"Warning: listening on {host}: anyone who can reach this address can read the whole database.",
            err=True,
        )
    # Bound here, so that a busy port is one clear line, not a server log.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle's algorithm off only on sockets that say
    # they are TCP, and with it on every keep-alive answer waited 40 ms for a delayed ACK.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except (OSError, OverflowError) as error:
        listener.close()
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidInput(f"cannot listen on {host}:{port}: {reason}") from None
    bound_port = listener.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    say(f"Serving a read-only view of the database at http://{shown_host}:{bound_port}/ (Ctrl-C to stop).")
    hosts = [name.strip() for name in allow_host or [] if name.strip()]
    if any(len(name.split()) != 1 or "/" in name or ":" in name for name in hosts):
        raise InvalidInput("--allow-host takes a host name, without scheme, port or path, such as facts.example.org")
    hosts.append(host)  # the name it was told to listen on is one it answers to
    options: dict[str, Any] = {"log_level": "warning", "access_log": False, "lifespan": "off", "http": Protocol}
    if workers == 1:
        uvicorn.Server(uvicorn.Config(create_app(url, hosts), **options)).run(sockets=[listener])
        return
    from uvicorn.supervisors import Multiprocess

    # Each worker process builds the app from its import path, for the database and names given here.
    os.environ[ENV_SERVE_DB] = url
    os.environ[ENV_SERVE_HOSTS] = " ".join(hosts)
    config = uvicorn.Config(APP_FACTORY, factory=True, workers=workers, **options)
    Multiprocess(config, sockets=[listener]).run()


def site(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write the site into.")],
    force: ForceFlag = False,
) -> None:
    """Write the web view as a static site: index.html, claims/, sources/, actors/, history/."""
    from ..errors import InvalidInput
    from ..web.site import write_site

    if output.exists() and not output.is_dir():
        raise InvalidInput(f"{output} is a file: give a folder for the site")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise InvalidInput(f"folder {output} is not empty: pass --force to write over it")
    if not output.parent.is_dir():
        raise InvalidInput(f"cannot write {output}: folder {output.parent} does not exist")
    with reading(ctx) as session:
        counts = write_site(session, output)
    say(
        f"Wrote a static site to {escape(output)}: index.html, {counts['claims']} claims, "
        f"{counts['sources']} sources, {counts['actors']} actors."
    )
