"""Hypothesis settings for the property-based tests: a fixed budget per run, no example
database written into the repository, no deadline (the 2-core CI machine is slow)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches (and its example database, which is off) in .hypothesis/; outside the
# repository, please.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "lotse-hypothesis"))

settings.register_profile(
    "lotse",
    max_examples=100,
    deadline=None,
    database=None,  # nothing is written into the repository (.hypothesis/)
    print_blob=True,  # a failure prints the @reproduce_failure line to replay it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# `HYPOTHESIS_PROFILE=lotse-long` searches ten times as long (by hand, not in CI)
settings.register_profile("lotse-long", parent=settings.get_profile("lotse"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "lotse"))
