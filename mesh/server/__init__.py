"""The gRPC server every service runs: health, reflection, limits, graceful shutdown."""

from mesh.server.app import MeshServer, ServiceBinding

__all__ = ["MeshServer", "ServiceBinding"]
