"""The thin `darkmiss` command-line interface over the pure functions of the stages.

The command runs with one OpenBLAS thread unless ``OPENBLAS_NUM_THREADS`` says otherwise: darkmiss is
parallel over processes (:mod:`darkmiss.parallel`), and an OpenBLAS that starts its thread server costs the
many small BLAS calls of the pyhf fits about 40 % more CPU even when limited to one thread at run time. It
must be set here, before numpy is first imported.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
