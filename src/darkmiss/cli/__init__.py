"""The thin `darkmiss` command-line interface over the pure functions of the stages."""
