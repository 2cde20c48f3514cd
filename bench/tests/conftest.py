"""Make the runner's modules (measure, report, workloads) importable as in ``bench/run.py``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
