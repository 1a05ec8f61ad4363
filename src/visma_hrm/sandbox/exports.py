"""Which rows an export carries: every row for a full export, changed rows for an incremental one.

The real API's ``changeTimestampAfter`` filter is documented as inexact, so an incremental
export carries every row changed after the cursor **plus** a deterministic sample of unchanged
rows (``incremental_unchanged_fraction``): clients must merge by key, and the sandbox makes sure
they do. The sample is drawn per person (all of a sampled person's rows come along), so it is
known without generating anyone's rows.

An incremental export is served from the tenant's index of change times (``Tenant.changes``):
a bisect finds the persons changed after the cursor, and only they and the sampled persons
have their rows looked at. ``brute_force_rows`` is the plain definition (every row of every
person, filtered); it serves cursors older than the world's start, when generated base rows
can be newer than the cursor, and the tests hold the index to it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from visma_hrm.sandbox.data import Row, stable_int
from visma_hrm.sandbox.spec import PERSON_DATASETS, DatasetSpec
from visma_hrm.sandbox.tenant import Snapshot

_SAMPLE_SCALE = 10_000


class UnchangedSample:
    """Which persons an incremental export carries unchanged; cached per tenant and fraction.

    Base persons are decided once (one hash each, no rows generated); persons hired later are
    decided when asked.
    """

    def __init__(self, seed: int, fraction: float) -> None:
        self.seed = seed
        self.threshold = int(fraction * _SAMPLE_SCALE)
        self._base: dict[int, tuple[int, list[int]]] = {}
        """tenant index -> (persons decided, the sampled ones among them, ascending)."""

    def sampled(self, tenant: int, i: int) -> bool:
        if self.threshold <= 0:
            return False
        return stable_int(self.seed, tenant, "unchanged", i) % _SAMPLE_SCALE < self.threshold

    def persons(self, tenant: int, count: int) -> list[int]:
        """The sampled persons among ``range(count)``, ascending."""
        if self.threshold <= 0:
            return []
        decided, chosen = self._base.get(tenant, (0, []))
        if decided < count:
            more = [i for i in range(decided, count) if self.sampled(tenant, i)]
            chosen = chosen + more  # a new list: readers of the old one are not disturbed
            self._base[tenant] = (count, chosen)
        return chosen[: bisect.bisect_left(chosen, count)]


def export_rows(
    snap: Snapshot, spec: DatasetSpec, after: int | None, sample: UnchangedSample, horizon: int
) -> Iterator[Row]:
    """The rows of a full export (``after`` None) or an incremental one, in export order.

    ``horizon`` is the world's start: every generated (never changed) row is older, so for a
    cursor at or after it only the persons in the change index can have newer rows.
    """
    if after is None:
        for row, _ts in snap.stamped(spec.name):
            yield row
        return
    if spec.name not in PERSON_DATASETS or after < horizon:
        yield from brute_force_rows(snap, spec, after, sample)
        return
    start = bisect.bisect_right(snap.changes, after, 0, snap.n_changes, key=lambda c: c[0])
    changed = {i for _ts, i in snap.changes[start : snap.n_changes]}
    chosen = sample.persons(snap.index, snap.count)
    for i in sorted(changed.union(chosen)):
        keep_all = sample.sampled(snap.index, i)
        for row, ts in snap.person_rows(i, spec.name):
            if ts > after or keep_all:
                yield row


def brute_force_rows(
    snap: Snapshot, spec: DatasetSpec, after: int, sample: UnchangedSample
) -> Iterator[Row]:
    """The definition of an incremental export: every current row, filtered one by one."""
    if spec.name not in PERSON_DATASETS:
        threshold = sample.threshold
        for row, ts in snap.tables[spec.name]:
            key = stable_int(sample.seed, *(row[k] for k in spec.key)) % _SAMPLE_SCALE
            if ts > after or key < threshold:
                yield row
        return
    for i in range(snap.count):
        keep_all = sample.sampled(snap.index, i)
        for row, ts in snap.person_rows(i, spec.name):
            if ts > after or keep_all:
                yield row
