"""The load test of issue 10: ``make load`` (see ``load/run.py`` and docs/PERFORMANCE.md)."""
