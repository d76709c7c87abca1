"""The top of the chain: the cached stages of `reproduce` and the file-level workflows (analyse, unblind,
limits outputs) that the CLI calls. Only this layer, the CLI and :mod:`darkmiss.cache` decide files."""
