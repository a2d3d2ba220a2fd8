"""`mesh events …`: provision the topology, re-drive events after a fix."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import pathlib

from mesh.config import MeshSettings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    events = commands.add_parser("events", help="the event path: topology, replay").add_subparsers(
        required=True, metavar="ACTION"
    )

    provision = events.add_parser("provision", help="create or heal topics and subscriptions (idempotent)")
    provision.add_argument("--topology", type=pathlib.Path, help="topology YAML (default: the mesh's)")
    provision.set_defaults(run=lambda args: asyncio.run(_provision(args)))

    replay = events.add_parser("replay", help="re-drive events; consumers dedupe, so this is safe")
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("--outbox", action="store_true", help="re-publish outbox rows (DATABASE_URL)")
    source.add_argument("--dead-letters", metavar="SUBSCRIPTION", help="move a dead-letter subscription's messages")
    replay.add_argument("--from", dest="from_position", type=int, help="first outbox position")
    replay.add_argument("--to", dest="to_position", type=int, help="last outbox position")
    replay.add_argument("--since", type=datetime.datetime.fromisoformat, help="outbox rows created since (ISO 8601)")
    replay.add_argument("--to-topic", help="with --dead-letters: where to publish them again")
    replay.add_argument("--idle-seconds", type=float, default=5.0, help="stop after this long without a message")
    replay.set_defaults(run=lambda args: asyncio.run(_replay(args)))


async def _provision(args: argparse.Namespace) -> int:
    from mesh.events.factory import pubsub_project, uses_pubsub
    from mesh.events.provision import provision
    from mesh.events.topology import MESH_TOPOLOGY, load_topology

    settings = MeshSettings()
    if not uses_pubsub(settings):
        print("no Pub/Sub configured (PUBSUB_EMULATOR_HOST or GOOGLE_CLOUD_PROJECT): nothing to provision")
        return 1
    summary = await provision(
        load_topology(args.topology or MESH_TOPOLOGY),
        pubsub_project(settings),
        emulator_host=settings.pubsub_emulator_host,
    )
    print(summary)
    return 0


async def _replay(args: argparse.Namespace) -> int:
    settings = MeshSettings()
    if args.outbox:
        return await _replay_outbox(settings, args)
    if not args.to_topic:
        print("--dead-letters needs --to-topic")
        return 2
    from mesh.events.factory import bus_from_settings
    from mesh.events.replay import replay_dead_letters

    bus = bus_from_settings(settings)
    try:
        moved = await replay_dead_letters(bus, args.dead_letters, args.to_topic, idle_seconds=args.idle_seconds)
    finally:
        await bus.close()
    print(f"moved {moved} message(s) from {args.dead_letters} to {args.to_topic}")
    return 0


async def _replay_outbox(settings: MeshSettings, args: argparse.Namespace) -> int:
    from mesh.events.replay import replay_outbox
    from mesh.persistence import Database

    since = args.since if args.since is None or args.since.tzinfo else args.since.replace(tzinfo=datetime.UTC)
    database = Database.from_url(settings.database_url)
    try:
        count = await replay_outbox(
            database, from_position=args.from_position, to_position=args.to_position, since=since
        )
    except ValueError as err:
        print(err)
        return 2
    finally:
        await database.dispose()
    print(f"re-queued {count} outbox row(s); the relay publishes them again in order")
    return 0
