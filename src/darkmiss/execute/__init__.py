"""Executors: local worker processes by default, dask.distributed when given a scheduler address."""

from darkmiss.execute.local import chunk_seeds, map_chunks

__all__ = ["chunk_seeds", "map_chunks"]
