"""Benchmarks of issue 10: each figure paired with a baseline measured in the same run.

``python bench/run.py`` (or ``make bench``) runs every ``bench_<key>.py`` module of this folder
and writes ``bench/results.json``; ``docs/PERFORMANCE.md`` explains the method.
"""
