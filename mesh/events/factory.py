"""The bus a process uses, chosen by settings: Pub/Sub when named, else the in-process bus."""

from __future__ import annotations

from mesh.config import MeshSettings
from mesh.events.bus import EventBus
from mesh.events.memory_bus import MemoryBus
from mesh.events.pubsub_bus import PubSubBus
from mesh.events.topology import MESH_TOPOLOGY, Topology, load_topology

LOCAL_PROJECT = "commerce-mesh-local"


def uses_pubsub(settings: MeshSettings) -> bool:
    return bool(settings.pubsub_emulator_host or settings.google_cloud_project)


def pubsub_project(settings: MeshSettings) -> str:
    return settings.google_cloud_project or LOCAL_PROJECT


def bus_from_settings(settings: MeshSettings, topology: Topology | None = None) -> EventBus:
    """PubSubBus against the emulator (PUBSUB_EMULATOR_HOST) or real Pub/Sub
    (GOOGLE_CLOUD_PROJECT); otherwise the in-process MemoryBus over the mesh's topology."""
    if uses_pubsub(settings):
        return PubSubBus(pubsub_project(settings), emulator_host=settings.pubsub_emulator_host)
    return MemoryBus(topology or load_topology(MESH_TOPOLOGY))
