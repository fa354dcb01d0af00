"""The normaliser ladder: each rung makes one kind of run-to-run noise compare equal, and no more."""

from __future__ import annotations

import pytest

from nb2prod.run.normalise import LADDER, apply_ladder

EQUIVALENT = [
    ("<__main__.Thing object at 0x7f3a2b1c0d90>", "<__main__.Thing object at 0x7f0011223344>", "memory-addresses"),
    ("<ExecutionInfo object at 7fd39115bb90, raw>", "<ExecutionInfo object at 7fd390bddf90, raw>", "memory-addresses"),
    ("now 2026-11-26 14:25:31.123456", "now 2026-11-27 09:01:02.5", "timestamps"),
    ("Started at 2024-01-02T03:04:05Z", "Started at 2025-06-07T08:09:10Z", "timestamps"),
    ("Thu Nov 26 14:19:11 2026", "Fri Nov 27 01:02:03 2026", "timestamps"),
    ("at 14:19:11.12", "at 09:00:00.5", "timestamps"),
    ("CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms\nWall time: 2.1 ms", "CPU times: user 3 ms, sys: 1 ns, total: 4 ms\nWall time: 5.1 s", "durations"),
    ("3.2 ms ± 12.1 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)", "4.1 ms ± 1 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)", "durations"),
    ("training took 3.25 s", "training took 4.5 s", "durations"),
    ("100%|██████████| 10/10 [00:00<00:00, 1234.56it/s]", "\r 50%|█████     | 5/10 [00:00<00:00, 100it/s]\r100%|██████████| 10/10 [00:01<00:00, 9.10it/s]", "progress-bars"),
    ("/home/ann/venv/lib/site-packages/pkg/mod.py:12: FutureWarning: old\n  warn()", "/usr/lib/python3/site-packages/pkg/mod.py:40: FutureWarning: old\n  warn()", "paths"),
    ("File /tmp/ipykernel_1234/3456789.py:3", "File /tmp/ipykernel_999/111.py:3", "paths"),
    ("{'pear', 'apple', 'fig'}", "{'fig', 'pear', 'apple'}", "collection-order"),
    ("frozenset({3, 1, 2})", "frozenset({1, 2, 3})", "collection-order"),
    ("id 0b7e9c2e-5f6a-4a1b-9c3d-2e1f0a9b8c7d", "id 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "identifiers"),
    ("\x1b[31mred\x1b[0m text", "red text", "terminal"),
    ("line   \n\n\n\nnext\n", "line\n\nnext", "whitespace"),
]


@pytest.mark.parametrize(("saved", "new", "rung"), EQUIVALENT)
def test_noise_is_normalised_by_the_named_rung(saved: str, new: str, rung: str) -> None:
    _, _, used, agree = apply_ladder(saved, new)
    assert agree
    assert rung in used


REAL_DIFFERENCES = [
    ("answer 41", "answer 42"),
    ("['a', 'b']", "['b', 'a']"),  # list order is meaningful, unlike set order
    ("2019-03-01", "2019-03-02"),  # a bare date is data, not a clock reading
    ("ValueError: x", "KeyError: x"),
    ("{'a': 1}", "{'a': 2}"),
]


@pytest.mark.parametrize(("saved", "new"), REAL_DIFFERENCES)
def test_real_differences_survive_the_ladder(saved: str, new: str) -> None:
    assert not apply_ladder(saved, new)[3]


def test_only_needed_rungs_are_named() -> None:
    _, _, used, agree = apply_ladder("obj at 0x7f00aa11bb22\n", "obj at 0x7f00cc33dd44\n")
    assert agree
    assert used == ("memory-addresses",)


def test_every_rung_is_documented() -> None:
    names = [rung.name for rung in LADDER]
    assert len(names) == len(set(names))
    assert all(rung.description for rung in LADDER)
