"""The portal's settings plus the benchmark's counters (bench/counting.py), for
the worker bench/checks_pipeline.py starts."""

from laifaxin.settings import *  # noqa: F403

CELERY_IMPORTS = ["bench.counting"]
