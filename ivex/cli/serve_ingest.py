"""``ivex serve-ingest``: the HTTP ingest endpoint of one city (see connectors.http_ingest)."""

from __future__ import annotations

import logging

import click

from connectors.http_ingest import make_server
from connectors.publisher import Publisher
from ivex.cli.context import CliContext


@click.command("serve-ingest")
@click.option("--city", required=True, help="Publishing city (6-digit member code).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.pass_obj
def command(obj: CliContext, city: str, host: str, port: int) -> None:
    """Serve POST /v1/<stream> (a JSON array of rows) for CITY until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with Publisher(obj.settings, city) as publisher:
        server = make_server(publisher, host, port)
        click.echo(f"ivex ingest for {city} on {server.url}/v1/<stream>", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
