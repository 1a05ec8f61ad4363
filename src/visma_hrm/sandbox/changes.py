"""Change over time: what one ``advance`` does to one tenant (hires, leaves, transfers, ...).

Events are drawn at monthly rates, spread over the interval and applied in clock order. Each
event edits a private copy of a person's rows and stores it with ``Tenant.store``, which also
appends to the tenant's index of change times; each business event is recorded as a
``SandboxEvent``, the ground truth a change feed is held to.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from visma_hrm.sandbox import custom_fields as custom
from visma_hrm.sandbox import data as gen
from visma_hrm.sandbox.clock import format_ticks, ticks_date
from visma_hrm.sandbox.config import EXTRA_RATES, MONTHLY_RATES, SandboxConfig
from visma_hrm.sandbox.data import Row, Stamped, stable_int
from visma_hrm.sandbox.spec import DATASETS, PERSON_DATASETS
from visma_hrm.sandbox.succession import open_before, successor
from visma_hrm.sandbox.tenant import PersonRows, SandboxEvent, Tenant

CONTRACT_EVENTS: dict[str, tuple[str, ...]] = {
    "transfer": ("orgunit",),
    "function_change": ("functionid",),
    "hours_change": ("ptfactor", "weekhoursfixed"),
    "manager_change": ("manageruserid",),
    "cost_centre_change": ("costcenter",),
}
"""Event type -> the contract columns whose change between versions makes it."""


class Changes:
    """One tenant's share of one ``advance``: events spread over (old, new]."""

    def __init__(self, config: SandboxConfig, tenant: Tenant, old: int, new: int) -> None:
        self.config = config
        self.t = tenant
        self.data = tenant.data
        self.old, self.new = old, new
        self.rng = random.Random(stable_int(config.seed, tenant.index, "advance", old, new))

    def apply(self, days: float) -> None:
        if self.new <= self.old:
            return
        events: list[tuple[int, str]] = []
        rates = dict(MONTHLY_RATES)
        if self.config.all_changes:
            rates.update(EXTRA_RATES)
        for kind, rate in rates.items():
            expected = rate * self.t.count * days / 30.0
            n = int(expected) + (1 if self.rng.random() < expected - math.floor(expected) else 0)
            events += [(self.rng.randrange(self.old + 1, self.new + 1), kind) for _ in range(n)]
        seed, index = self.config.seed, self.t.index
        times = custom.advance_times(seed, index, self.t.count, self.old, self.new, days)
        events += [(ts, "custom_field") for ts in times]
        self.custom_rng = custom.change_rng(seed, index, self.old, self.new)
        for ts, kind in sorted(events):
            getattr(self, f"_{kind}")(ts)

    # ------------------------------------------------------------------ helpers
    def _record(
        self,
        kind: str,
        ts: int,
        row: Row,
        effective: str | None,
        before: Row | None = None,
        after: Row | None = None,
        dataset: str | None = None,
        key: tuple[str | None, ...] = (),
    ) -> None:
        self.t.events.append(
            SandboxEvent(
                self.t.tenant_id,
                kind,
                row.get("employeeid"),
                row.get("contractid"),
                effective or self._day(ts),
                format_ticks(ts),
                dict(before or {}),
                dict(after or {}),
                dataset,
                key,
            )
        )

    def _record_changes(self, ts: int, old: Row, new: Row) -> None:
        """One event per tracked contract attribute that differs between two versions."""
        for kind, columns in CONTRACT_EVENTS.items():
            if any(old.get(c) != new.get(c) for c in columns):
                before = {c: old.get(c) for c in columns}
                after = {c: new.get(c) for c in columns}
                self._record(kind, ts, new, new["startdate"], before, after)

    def _person(self, i: int) -> PersonRows:
        return self.t.editable(i)

    def _pick(self) -> int:
        return self.rng.randrange(self.t.count)

    @staticmethod
    def _day(ts: int) -> str:
        return ticks_date(ts).isoformat()

    @staticmethod
    def _open_contract(rows: list[Stamped]) -> int | None:
        """Index of the latest subcontract without an end date (the current one)."""
        best = None
        for n, (row, _ts) in enumerate(rows):
            if row["enddate"] is None and (
                best is None or (row["startdate"] or "") > (rows[best][0]["startdate"] or "")
            ):
                best = n
        return best

    def _new_version(self, rows: list[Stamped], n: int, ts: int) -> Row | None:
        """The next subcontract of contract row ``n``, from the change date."""
        row = rows[n][0]
        siblings = [
            int(r["subcontractid"] or 0)
            for r, _ in rows
            if r["employeeid"] == row["employeeid"] and r["contractid"] == row["contractid"]
        ]
        new = successor(rows, n, ts)
        if new is not None:
            new["subcontractid"] = str(max(siblings) + 1)
            new["existencestartutc"] = format_ticks(ts)
        return new

    # ------------------------------------------------------------------ events
    def _hire(self, ts: int) -> None:
        if self.rng.random() < 0.2 and self._rehire(ts):
            return
        i = self.t.count
        hire = gen.Hire(ticks_date(ts).toordinal() + _lead_days(self.config.seed, i), ts)
        core = self.data.core(i, hire)
        self.t.hires[i] = hire
        rows = {ds: [(r, ts) for r, _ in self.data.rows_of(core, ds)] for ds in PERSON_DATASETS}
        self.t.store(i, rows, ts)
        self.t.count += 1
        first = self.t.persons[i]["contracts"][0][0]
        self._record("hire", ts, first, first["startdate"])

    def _rehire(self, ts: int) -> bool:
        """A former employee comes back: a new contract under a NEW employeeid."""
        for _ in range(5):
            i = self._pick()
            state = self._person(i)
            contracts = state["contracts"]
            if self._open_contract(contracts) is not None:
                continue
            ends = [r["enddate"] or "" for r, _ in contracts]
            if any(e >= self._day(ts) for e in ends):
                continue
            k = len({r["employeeid"] for r, _ in contracts})
            if k >= 9:
                continue
            core = self.data.core(i, self.t.hires.get(i))
            emp = self.data.new_employment(core, k, ticks_date(ts).toordinal(), ts, self.rng)
            core.employments, core.moved = [emp], None
            for ds in PERSON_DATASETS:
                new_rows = [(r, ts) for r, _ in self.data.rows_of(core, ds)]
                if ds == "users":
                    state[ds] = new_rows
                else:
                    state[ds] = state[ds] + new_rows
                if ds == "contracts":
                    self._record("rehire", ts, new_rows[0][0], new_rows[0][0]["startdate"])
            self.t.store(i, state, ts)
            return True
        return False

    def _terminate(self, ts: int, ahead: int = 0) -> None:
        i = self._pick()
        state = self._person(i)
        n = self._open_contract(state["contracts"])
        if n is None:
            return
        row = dict(state["contracts"][n][0])
        day = (ticks_date(ts) + dt.timedelta(days=ahead)).isoformat()
        day = max(day, row["startdate"] or "")
        code, nl, en = gen.END_REASONS[self.rng.choice((0, 0, 1, 2, 3))]
        row.update({"enddate": day, "endreason": code, "endreasonname": nl, "endreasonname_en": en})
        state["contracts"][n] = (row, ts)
        self.t.store(i, state, ts)
        self._record("leave", ts, row, day, {"enddate": None}, {"enddate": day})

    def _future_leave(self, ts: int) -> None:
        """A leave registered ahead: the end date is 1 to 60 days after the change."""
        self._terminate(ts, ahead=1 + self.rng.randrange(60))

    def _transfer(self, ts: int) -> None:
        i = self._pick()
        state = self._person(i)
        n = self._open_contract(state["contracts"])
        if n is None:
            return
        old = dict(state["contracts"][n][0])
        new = self._new_version(state["contracts"], n, ts)
        if new is None:
            return
        new.update(self.data.unit_fields(self.rng.randrange(self.data.n_units)))
        self.t.store(i, state, ts)
        self._record_changes(ts, old, new)

    def _new_contract_version(self, ts: int, change: Row) -> None:
        """A new subcontract of someone's current contract with ``change`` applied."""
        i = self._pick()
        state = self._person(i)
        n = self._open_contract(state["contracts"])
        if n is None:
            return
        old = dict(state["contracts"][n][0])
        if all(old.get(k) == v for k, v in change.items()):
            return  # nothing would change: no version, no event
        new = self._new_version(state["contracts"], n, ts)
        if new is None:
            return
        new.update(change)
        self.t.store(i, state, ts)
        self._record_changes(ts, old, new)

    def _function(self, ts: int) -> None:
        function = self.rng.randrange(len(gen.FUNCTIONS))
        self._new_contract_version(ts, gen.function_fields(function))

    def _hours(self, ts: int) -> None:
        factor = self.rng.choice(gen.PT_FACTORS)
        self._new_contract_version(
            ts,
            {
                "ptfactor": gen.dec(factor, 4),
                "weekhoursfixed": gen.dec(gen.FULL_WEEK_HOURS * factor, 2),
            },
        )

    def _manager(self, ts: int) -> None:
        userid, name = self.data.manager_of(self.rng.randrange(self.data.n_units))
        self._new_contract_version(ts, {"manageruserid": userid, "managername": name})

    def _costcentre(self, ts: int) -> None:
        code, _nl, en = self.data.cost_centers[self.rng.randrange(self.data.n_costcenters)]
        self._new_contract_version(ts, {"costcenter": code, "costcenter_en": en})

    def _correction(self, ts: int) -> None:
        """A typo in the birth name corrected in the person's current record (no new version)."""
        i = self._pick()
        state = self._person(i)
        rows = state["employees"]
        latest = max(range(len(rows)), key=lambda n: rows[n][0]["existencestartutc"] or "")
        row = dict(rows[latest][0])
        old = {c: row[c] for c in ("birthname", "formattedname")}
        fixed = str(row["birthname"]) + "e"
        row["birthname"] = fixed
        row["formattedname"] = str(row["formattedname"]).replace(str(old["birthname"]), fixed)
        rows[latest] = (row, ts)
        self.t.store(i, state, ts)
        after = {c: row[c] for c in old}
        self._record("personal_data_change", ts, row, None, old, after)

    def _salary(self, ts: int) -> None:
        i = self._pick()
        state = self._person(i)
        rows = state["contracts"]
        n = self._open_contract(rows)
        if n is None:
            return
        if self.rng.random() < 0.5:
            target = self._new_version(rows, n, ts)
            if target is None:
                return
            target["step"] = str(int(target["step"] or 0) + 1)
            target["stepname"] = f"Trede {target['step']}"
        else:
            target = dict(rows[n][0])
            rows[n] = (target, ts)
        full = float(target["salaryfulltime"] or 0) * 1.025
        target["salaryfulltime"] = gen.dec(full, 2)
        target["salaryhour"] = gen.dec(full / (gen.FULL_WEEK_HOURS * 4.33), 2)
        self.t.store(i, state, ts)

    def _address(self, ts: int) -> None:
        i = self._pick()
        state = self._person(i)
        rows = state["employees"]
        latest = max(range(len(rows)), key=lambda n: rows[n][0]["existencestartutc"] or "")
        row = dict(rows[latest][0])
        p = gen.pools()
        old = dict(row)
        if self.rng.random() < 0.3:
            row["mobilephonenumber"] = f"06-{self.rng.randrange(10**8):08d}"  # a correction
            rows[latest] = (row, ts)
        else:
            street, city = (
                p.streets[self.rng.randrange(len(p.streets))],
                p.cities[self.rng.randrange(len(p.cities))],
            )
            zipcode = f"{self.rng.randrange(1000, 9999)} AB"
            nr = 1 + self.rng.randrange(200)
            for prefix in ("home", "sickness"):
                row.update(self.data.address(prefix, street, nr, None, zipcode, city))
            row["existencestartutc"] = format_ticks(ts)
            rows.append((row, ts))
        self.t.store(i, state, ts)
        changed = [c for c in row if c != "existencestartutc" and row[c] != old.get(c)]
        if changed:
            before, after = {c: old.get(c) for c in changed}, {c: row[c] for c in changed}
            self._record("personal_data_change", ts, row, None, before, after)

    def _udf(self, ts: int) -> None:
        i = self._pick()
        state = self._person(i)
        rows = state["employee_udf_histories"]
        day = self._day(ts)
        open_rows = open_before(rows, day, custom.NEWER)
        if not open_rows:
            return
        n = self.rng.choice(open_rows)
        field, employeeid = rows[n][0]["fieldname"], rows[n][0]["employeeid"]
        if any(
            (r["fieldname"], r["startdate"], r["employeeid"]) == (field, day, employeeid)
            for r, _ in rows
        ):
            return  # a value from this very day exists already (the key must stay unique)
        new = successor(rows, n, ts)
        if new is None:
            return
        values = next(v for name, _l, _t, v in gen.UDF_EMPLOYEE if name == field)
        new["value"] = self.rng.choice(values)
        self.t.store(i, state, ts)

    def _custom_field(self, ts: int) -> None:
        """A newer custom field gets a new value (``custom_fields``, its own generator)."""
        i = self.custom_rng.randrange(self.t.count)
        state = self._person(i)
        level = self.custom_rng.choice(("employee_udf_histories", "contract_udf_histories"))
        if custom.change(state[level], self.custom_rng, ts):
            self.t.store(i, state, ts)

    def _delete(self, ts: int) -> None:
        """A record vanishes (deleted in Visma): it is simply gone from the next full export."""
        i = self._pick()
        state = self._person(i)
        dataset = self.rng.choice(
            ("employees", "contracts", "employee_udf_histories", "contract_udf_histories")
        )
        rows = state[dataset]
        first = [n for n, (r, _) in enumerate(rows) if r.get("fieldname") not in custom.NEWER]
        if len(first) < 2:  # the newer custom fields are left alone: every other row as before
            return
        gone = rows.pop(first[self.rng.randrange(len(first))])[0]
        self.t.store(i, state, ts)
        key = tuple(gone.get(k) for k in DATASETS[dataset].key)
        self._record("record_deleted", ts, gone, None, dataset=dataset, key=key)

    def _unit(self, ts: int) -> None:
        """An organization unit gets a new history row (renamed from the change date)."""
        rows = list(self.t.tables["organization_units"])
        day = self._day(ts)
        candidates = open_before(rows, day)
        if not candidates:
            return
        new = successor(rows, self.rng.choice(candidates), ts)
        if new is None:
            return
        new["existencestartutc"] = format_ticks(ts)
        new["orgname"] = str(new["orgname"]).split(" (")[0] + f" (per {day})"
        self.t.tables["organization_units"] = rows


def _lead_days(seed: int, i: int) -> int:
    """A third of hires are registered ahead of their first day (1 to 60 days), as HR does."""
    lead = stable_int(seed, "hire-lead", i)
    return 0 if lead % 3 else 1 + (lead // 3) % 60
