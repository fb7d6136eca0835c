"""Synthetic `orgchart/v1` histories for the benchmark, deterministic from a seed.

Two histories with the same chart size on the query date (about one live unit
per 100 events of the large history: 10,000 for the default 1,000,000), the
large one with ten times the churn of the small one (more renames, moves,
appointments, splits and merges of the same number of units over more years):

    python tests/bench/generate.py --events 1000000 --outdir bench-data

writes `small.json` (events/10), `large.json` (events) and for each an
`append-*.json` of 10 valid events dated after everything else.

What a history holds, and why it is valid under every rule of SPEC §2:

* Events are generated in effective order against a model of the chart (live
  units, parents, children, role holders), so every rule holds when the
  history is replayed by date.
* Every event type: establish, rename, move, appoint, step_down, split (also
  spin-offs with `keep: true` and parts placed under another part), merge
  (into an existing or a new unit), dissolve, and a few retractions.
* Partial dates (`YYYY`, `YYYY-MM`) are written only for events on the first
  day of their period, so they sort exactly where they were generated.
* About 5% of the events are "learned later": renames and advisor
  appointments (a fresh person, a role nothing else uses) written later in
  the file than their effective position, each with its own later `recorded`
  day. Removing any of them leaves a valid history, so every knowledge state
  is valid; and a unit with such an event on day D never ends later on day D,
  so moving the event after the other events of its day changes nothing the
  rules check. Retractions target ordinary renames (which nothing depends on)
  and are recorded after everything else.
* Names are Chinese, Japanese, Korean and Latin; ids match
  `[a-z0-9][a-z0-9._-]*` (at most 64 characters); every person appointed or
  stepping down is under `people`, every cited source under `sources`.
* Recorded days are all in the past (2026-05-31 for most events, later days in
  2026 for the late ones); effective dates end on 2026-03-31 and the query date
  is 2026-04-01.

The file is written as it is generated (one event per line); only the state of
the chart, the people and the delayed events are kept in memory.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

QUERY_DATE = "2026-04-01"
LAST_DAY = date(2026, 3, 31)
DIFF_FROM = "2025-04-01"  # a one-year diff ending on the query date
DEFAULT_RECORDED = "2026-05-31"
LATE_RECORDED = ("2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30")
RETRACT_RECORDED = "2026-10-15"
APPEND_FIRST_DAY = date(2026, 4, 10)
OUT_OF_ORDER = 0.05
SMALL_YEARS = 5
LARGE_YEARS = 40
MAX_DEPTH = 6  # levels below a root where new units are placed
MAX_FANOUT = 40  # new units and moves avoid parents with this many children
LEVEL_GROWTH = 3.5  # units on a level per unit on the level above, roughly
LEVEL_CUM = [sum(LEVEL_GROWTH ** k for k in range(i + 1)) for i in range(MAX_DEPTH)]
ROLES = ("head", "deputy")

Event = dict[str, Any]
T = TypeVar("T")

# -- vocabulary --------------------------------------------------------------------

PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("智能", "Intelligent", "ai"), ("平台", "Platform", "platform"),
    ("云计算", "Cloud Computing", "cloud"), ("数据", "Data", "data"),
    ("搜索", "Search", "search"), ("推荐", "Recommendation", "rec"),
    ("国际", "International", "intl"), ("本地生活", "Local Services", "local"),
    ("物流", "Logistics", "logistics"), ("金融科技", "Fintech", "fintech"),
    ("安全", "Security", "security"), ("用户增长", "User Growth", "growth"),
    ("商家", "Merchant", "merchant"), ("供应链", "Supply Chain", "supply"),
    ("广告", "Advertising", "ads"), ("内容", "Content", "content"),
    ("直播", "Live Streaming", "live"), ("客户体验", "Customer Experience", "cx"),
    ("基础设施", "Infrastructure", "infra"), ("算法", "Algorithms", "algo"),
    ("移动", "Mobile", "mobile"), ("零售", "Retail", "retail"),
    ("营销", "Marketing", "marketing"), ("财务", "Finance", "finance"),
    ("人力资源", "Human Resources", "hr"), ("法务", "Legal", "legal"),
    ("研发", "R&D", "rnd"), ("产品", "Product", "product"), ("设计", "Design", "design"),
    ("运营", "Operations", "ops"), ("芯片", "Chip", "chip"), ("硬件", "Hardware", "hw"),
    ("游戏", "Games", "games"), ("文娱", "Media & Entertainment", "media"),
    ("健康", "Health", "health"), ("出行", "Mobility", "mobility"),
    ("企业服务", "Enterprise Services", "enterprise"), ("开放平台", "Open Platform", "open"),
    ("交易", "Transactions", "trade"), ("会员", "Membership", "member"),
)
SUFFIXES: tuple[tuple[str, str, str], ...] = (
    ("事业群", "Business Group", "business group"), ("事业部", "Business Unit", "business unit"),
    ("中心", "Center", "center"), ("部", "Department", "department"), ("团队", "Team", "team"),
    ("实验室", "Lab", "lab"), ("研究院", "Institute", "institute"), ("工作室", "Studio", "studio"),
)
REGIONS: tuple[tuple[str, str], ...] = (
    ("华东", "East China"), ("华南", "South China"), ("华北", "North China"),
    ("北美", "North America"), ("欧洲", "Europe"), ("东南亚", "Southeast Asia"),
)
JA_KO_UNITS: tuple[tuple[str, str, str], ...] = (
    ("東京開発センター", "Tokyo Development Center", "tokyo-dev"),
    ("大阪営業部", "Osaka Sales Department", "osaka-sales"),
    ("名古屋物流センター", "Nagoya Logistics Center", "nagoya-logistics"),
    ("서울 연구소", "Seoul Research Lab", "seoul-lab"),
    ("부산 물류센터", "Busan Logistics Center", "busan-logistics"),
    ("판교 개발팀", "Pangyo Development Team", "pangyo-dev"),
)
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
    ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"),
    ("何", "He"), ("林", "Lin"), ("罗", "Luo"), ("高", "Gao"), ("蒋", "Jiang"), ("戴", "Dai"),
)
GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"),
    ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"),
    ("艳", "Yan"), ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"),
    ("秀英", "Xiuying"), ("华", "Hua"), ("凯夫", "Kaifu"), ("一鸣", "Yiming"),
    ("晓峰", "Xiaofeng"), ("思远", "Siyuan"), ("雨桐", "Yutong"), ("泳铭", "Yongming"),
)
JA_PEOPLE: tuple[tuple[str, str], ...] = (
    ("佐藤 健", "Ken Sato"), ("鈴木 花子", "Hanako Suzuki"), ("高橋 誠", "Makoto Takahashi"),
    ("田中 美咲", "Misaki Tanaka"), ("渡辺 翔", "Sho Watanabe"),
)
KO_PEOPLE: tuple[tuple[str, str], ...] = (
    ("김민준", "Kim Min-jun"), ("이서연", "Lee Seo-yeon"), ("박지훈", "Park Ji-hoon"),
    ("최유진", "Choi Yu-jin"), ("정하늘", "Jung Ha-neul"),
)
LATIN_FIRST = ("Alice", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines",
               "Jonas", "Kavya", "Liam", "Maria", "Noah", "Olga", "Pedro", "Quinn", "Rosa")
LATIN_LAST = ("Smith", "Müller", "García", "Rossi", "Dubois", "Novak", "Silva", "Okafor",
              "Johansson", "Kowalski", "Murphy", "Nguyen", "Schmidt", "Costa")
TITLES = {
    "head": ("负责人", "总裁", "CEO", "总经理", "President", "Head", "VP", "总监", None),
    "deputy": ("副总裁", "副总经理", "Deputy Head", None),
    "advisor": ("顾问", "Senior Advisor"),
}
PUBLISHERS: tuple[tuple[str, str], ...] = (
    ("36氪", "36kr"), ("晚点LatePost", "latepost"), ("财新", "caixin"), ("Reuters", "reuters"),
    ("Bloomberg", "bloomberg"), ("日本経済新聞", "nikkei"), ("The Information", "theinfo"),
    ("内部邮件", "memo"), ("조선일보", "chosun"),
)
NOTES = ("日期为推断", "date inferred from the announcement", "据内部邮件",
         "reported, not confirmed", "名称以官方公告为准")
REASONS = ("wrong unit name in the source", "名称录入错误", "the rename was announced but "
           "never took effect", "duplicate of another report")


# -- plans -------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """One history to generate."""

    name: str
    events: int  # total events in the file (retractions included)
    live_units: int  # target chart size
    years: int  # effective dates span about this many years, ending on LAST_DAY
    seed: int

    @property
    def start(self) -> date:
        return date(LAST_DAY.year - self.years + 1, 1, 1)

    @property
    def retractions(self) -> int:
        return max(2, self.events // 10_000)


def plans(events: int = 1_000_000, seed: int = 1) -> tuple[Plan, Plan]:
    """The small and the large history: events/10 and events, the same chart size."""
    live = max(20, events // 100)
    return (Plan("small", max(events // 10, 2 * live), live, SMALL_YEARS, seed),
            Plan("large", events, live, LARGE_YEARS, seed + 1))


@dataclass
class Summary:
    """What was generated (for the runner's report and checks)."""

    name: str
    path: str
    append_path: str
    events: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    out_of_order: int = 0
    partial_dates: int = 0
    live_units: int = 0
    roots: int = 0
    people: int = 0
    sources: int = 0
    knowledge_states: int = 0
    first_day: str = ""
    last_day: str = ""
    seconds: float = 0.0


# -- helpers -----------------------------------------------------------------------

class Bag(Generic[T]):
    """A set with O(1) add, remove and uniform random choice, iterated in a stable order."""

    __slots__ = ("items", "pos")

    def __init__(self) -> None:
        self.items: list[T] = []
        self.pos: dict[T, int] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, x: object) -> bool:
        return x in self.pos

    def add(self, x: T) -> None:
        if x not in self.pos:
            self.pos[x] = len(self.items)
            self.items.append(x)

    def discard(self, x: T) -> None:
        i = self.pos.pop(x, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.pos[last] = i

    def pick(self, rng: random.Random) -> T:
        return self.items[int(rng.random() * len(self.items))]


def day_quotas(n: int, start: date, end: date) -> Iterator[tuple[date, int]]:
    """How many of `n` dated events fall on each day: busier on the first of a month
    and of a year (reorganisations are announced for then), quieter at weekends."""
    days = (end - start).days + 1
    weights = []
    for i in range(days):
        d = start + timedelta(days=i)
        w = 8.0 if d.day == 1 and d.month == 1 else 4.0 if d.day == 1 else \
            0.3 if d.weekday() >= 5 else 1.0
        weights.append(w)
    total = sum(weights)
    acc, done = 0.0, 0
    for i, w in enumerate(weights):
        acc += w
        upto = n if i == days - 1 else round(n * acc / total)
        if upto > done:
            yield start + timedelta(days=i), upto - done
            done = upto


def b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def slug(text: str) -> str:
    out = "".join(c if c.isascii() and c.isalnum() else "-" for c in text.lower())
    return "-".join(p for p in out.split("-") if p)[:40] or "x"


# -- the generator -----------------------------------------------------------------

class Generator:
    """Generates one history in effective order while writing it out."""

    def __init__(self, plan: Plan, out: TextIO) -> None:
        self.plan = plan
        self.out = out
        self.rng = random.Random(plan.seed)
        self.encode = json.JSONEncoder(ensure_ascii=False).encode
        # the chart
        self.alive: Bag[str] = Bag()
        self.parent: dict[str, str | None] = {}
        self.kids: dict[str, dict[str, None]] = {}  # ordered, for determinism
        self.roots: Bag[str] = Bag()
        self.held: dict[tuple[str, str], str] = {}
        self.held_keys: Bag[tuple[str, str]] = Bag()
        self.unit_counter = 0
        self.initial_roots = max(1, plan.live_units // 4000)
        self.max_roots = self.initial_roots + 3
        # reference data
        self.people: dict[str, dict[str, str]] = {}
        self.people_ids: list[str] = []
        self.sources: dict[str, dict[str, str]] = {}
        self.source_ids: list[str] = []
        # the day being generated
        self.day = plan.start
        self.day_forms: tuple[str, ...] = ()
        self.touched: set[tuple[str, ...]] = set()
        self.protected: set[str] = set()  # units with a late event today: they cannot end today
        # output
        self.written = 0
        self.pending: list[tuple[int, int, str]] = []  # (release after, tiebreak, line)
        self.retract_targets: list[str] = []
        self.buf: list[str] = []
        self.summary = Summary(plan.name, "", "")
        # the share of churn events recorded late: OUT_OF_ORDER of all events
        self.late_share = OUT_OF_ORDER * plan.events / max(1, plan.events - plan.live_units)
        self._make_sources()

    # -- reference data --------------------------------------------------------

    def _make_sources(self) -> None:
        rng = self.rng
        span = (LAST_DAY - self.plan.start).days
        for i in range(max(5, self.plan.events // 500)):
            pub, pslug = PUBLISHERS[i % len(PUBLISHERS)]
            d = self.plan.start + timedelta(days=rng.randrange(span + 1))
            p = rng.choice(PREFIXES)
            s = rng.choice(SUFFIXES)
            sid = f"{pslug}-{d:%Y%m}-{b36(i)}"
            if rng.random() < 0.7:
                title = f"组织架构调整:{p[0]}{s[0]}迎来新一轮变化|独家"
            else:
                title = f"Reorganisation: the {p[1]} {s[1]} is reshaped"
            entry = {"title": title, "publisher": pub}
            if rng.random() < 0.8:
                entry["date"] = d.isoformat()
            if rng.random() < 0.6:
                entry["url"] = f"https://example.org/{pslug}/{d:%Y/%m}/{b36(i)}"
            self.sources[sid] = entry
            self.source_ids.append(sid)

    def new_person(self, fresh_role: str | None = None) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.75:
            s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
            name, name_en = s[0] + g[0], f"{s[1]} {g[1]}"
        elif r < 0.85:
            name = f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
            name_en = ""
        elif r < 0.93:
            name, name_en = rng.choice(JA_PEOPLE)
        else:
            name, name_en = rng.choice(KO_PEOPLE)
        pid = f"{slug(name_en or name)}-{b36(len(self.people))}"
        entry = {"name": name}
        if name_en:
            entry["name_en"] = name_en
        self.people[pid] = entry
        if fresh_role is None:
            self.people_ids.append(pid)
        return pid

    def unit_name(self) -> tuple[dict[str, str], str, str]:
        """Name fields ({name, name_en?}), the kind, and a slug for the id."""
        rng = self.rng
        p, s = PREFIXES[int(rng.random() * len(PREFIXES))], \
            SUFFIXES[int(rng.random() * len(SUFFIXES))]
        r = rng.random()
        if r < 0.6:
            return {"name": p[0] + s[0], "name_en": f"{p[1]} {s[1]}"}, s[2], p[2]
        if r < 0.72:
            reg = rng.choice(REGIONS)
            return ({"name": reg[0] + p[0] + s[0], "name_en": f"{p[1]} {s[1]}, {reg[1]}"},
                    s[2], p[2])
        if r < 0.77:
            name, en, sl = rng.choice(JA_KO_UNITS)
            return {"name": name, "name_en": en}, s[2], sl
        return {"name": f"{p[1]} {s[1]}"}, s[2], p[2]

    def new_unit_id(self, sl: str) -> str:
        self.unit_counter += 1
        return f"{sl}-{b36(self.unit_counter)}"

    # -- the chart model ---------------------------------------------------------

    def depth(self, u: str) -> int:
        n, p = 0, self.parent[u]
        while p is not None:
            n, p = n + 1, self.parent[p]
        return n

    def within(self, u: str, ancestor: str) -> bool:
        cur: str | None = u
        while cur is not None:
            if cur == ancestor:
                return True
            cur = self.parent[cur]
        return False

    def place(self) -> str:
        """A parent for a new unit, preferably with fewer than MAX_FANOUT children, on a
        level drawn so that each level has about LEVEL_GROWTH times the units of the one
        above it (units end at random on every level, so new ones must arrive the same way).
        """
        r = self.rng.random() * LEVEL_CUM[-1]
        level = next(i for i, c in enumerate(LEVEL_CUM) if r < c)
        p = self.alive.pick(self.rng)
        for _ in range(8):
            p = self.alive.pick(self.rng)
            d = self.depth(p)
            if d < level:
                continue
            p = self.up(p, d - level)
            if len(self.kids[p]) < MAX_FANOUT:
                return p
        return self.up(p, self.depth(p) - MAX_DEPTH + 1)  # nothing on that level yet

    def lateral(self, level: int) -> str | None:
        """A random live unit at depth `level` (None if none was found quickly)."""
        for _ in range(8):
            p = self.alive.pick(self.rng)
            d = self.depth(p)
            if d < level:
                continue
            p = self.up(p, d - level)
            if len(self.kids[p]) < MAX_FANOUT:
                return p
        return None

    def up(self, unit: str, levels: int) -> str:
        """The ancestor `levels` above `unit` (the unit itself for 0 or less)."""
        for _ in range(levels):
            parent = self.parent[unit]
            assert parent is not None
            unit = parent
        return unit

    def begin(self, u: str, parent: str | None) -> None:
        self.alive.add(u)
        self.parent[u] = parent
        self.kids[u] = {}
        if parent is None:
            self.roots.add(u)
        else:
            self.kids[parent][u] = None

    def reparent(self, u: str, parent: str | None) -> None:
        old = self.parent[u]
        if old is None:
            self.roots.discard(u)
        else:
            del self.kids[old][u]
        self.parent[u] = parent
        if parent is None:
            self.roots.add(u)
        else:
            self.kids[parent][u] = None

    def end(self, u: str) -> None:
        assert not self.kids[u], u
        self.reparent(u, None)
        self.roots.discard(u)
        self.alive.discard(u)
        del self.kids[u]
        del self.parent[u]
        for role in ROLES:
            if self.held.pop((u, role), None) is not None:
                self.held_keys.discard((u, role))

    def can_end(self, u: str) -> bool:
        return u not in self.protected and self.parent[u] is not None

    # -- events --------------------------------------------------------------------

    def common(self, ev: Event) -> Event:
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            ev["source"] = self.source_ids[int(rng.random() * len(self.source_ids))]
        elif r < 0.65:
            ev["source"] = rng.sample(self.source_ids, 2)
        if rng.random() < 0.02:
            ev["note"] = rng.choice(NOTES)
        return ev

    def date_text(self) -> str:
        forms = self.day_forms
        if len(forms) == 1:
            return forms[0]
        r = self.rng.random()
        if len(forms) == 3 and r < 0.35:
            return forms[2]
        return forms[1] if r < 0.6 else forms[0]

    def establish(self, parent: str | None) -> Event:
        names, kind, sl = self.unit_name()
        u = self.new_unit_id(sl)
        ev: Event = {"type": "establish", "date": self.date_text(), "unit": u, **names}
        if self.rng.random() < 0.8:
            ev["kind"] = kind
        if parent is not None:
            ev["parent"] = parent
        self.begin(u, parent)
        return self.common(ev)

    def rename(self, late: bool = False) -> Event | None:
        for _ in range(8):
            u = self.alive.pick(self.rng)
            if ("rename", u) not in self.touched:
                break
        else:
            return None
        self.touched.add(("rename", u))
        names, _, _ = self.unit_name()
        if self.rng.random() < 0.1 and "name_en" in names:
            names = {"name_en": names["name_en"]}  # only the English name changes
        ev = self.common({"type": "rename", "date": self.date_text(), "unit": u, **names})
        if late:
            self.protected.add(u)
        elif len(self.retract_targets) < min(self.plan.retractions, self.retract_quota()) \
                and self.rng.random() < 0.5:
            # a rename someone will retract: it gets an explicit id to refer to
            ev["id"] = f"bench-fix-{b36(len(self.retract_targets))}"
            self.retract_targets.append(ev["id"])
        return ev

    def retract_quota(self) -> float:
        """Retraction targets wanted by now: spread over the history, all of them by 2/3."""
        return 1 + 1.5 * self.plan.retractions * self.summary.events / self.plan.events

    def move(self) -> Event | None:
        """A unit moves to a parent at the same level (so the chart keeps its depth); rarely
        it becomes a root."""
        rng = self.rng
        for _ in range(8):
            u = self.alive.pick(rng)
            old = self.parent[u]
            if old is None or ("move", u) in self.touched:
                continue
            parent: str | None
            if rng.random() < 0.001 and len(self.roots) < self.max_roots:
                parent = None
            else:
                parent = self.lateral(self.depth(old))
                if parent is None or parent == old or self.within(parent, u):
                    continue
            self.touched.add(("move", u))
            self.reparent(u, parent)
            return self.common({"type": "move", "date": self.date_text(), "unit": u,
                                "parent": parent})
        return None

    def appoint(self) -> Event | None:
        rng = self.rng
        u = self.alive.pick(rng)
        role = "head" if rng.random() < 0.85 else "deputy"
        holder = self.held.get((u, role))
        for _ in range(8):
            if not self.people_ids or rng.random() < 0.15:
                person = self.new_person()
            else:
                person = self.people_ids[int(rng.random() * len(self.people_ids))]
            if person != holder and all(self.held.get((u, r)) != person for r in ROLES) \
                    and ("appoint", u, person) not in self.touched:
                break
        else:
            return None
        self.touched.add(("appoint", u, person))
        self.held[(u, role)] = person
        self.held_keys.add((u, role))
        ev: Event = {"type": "appoint", "date": self.date_text(), "unit": u, "person": person}
        if role != "head" or rng.random() < 0.2:
            ev["role"] = role
        title = rng.choice(TITLES[role])
        if title is not None:
            ev["title"] = title
        return self.common(ev)

    def advisor(self) -> Event:
        """A late appointment nothing depends on: a fresh person, a role nothing else uses."""
        u = self.alive.pick(self.rng)
        person = self.new_person(fresh_role="advisor")
        self.protected.add(u)
        return self.common({"type": "appoint", "date": self.date_text(), "unit": u,
                            "person": person, "role": "advisor",
                            "title": self.rng.choice(TITLES["advisor"])})

    def step_down(self) -> Event | None:
        rng = self.rng
        if not self.held_keys:
            return None
        key = self.held_keys.pick(rng)
        u, role = key
        person = self.held[key]
        if ("step_down", u, person) in self.touched:
            return None
        self.touched.add(("step_down", u, person))
        del self.held[key]
        self.held_keys.discard(key)
        ev: Event = {"type": "step_down", "date": self.date_text(), "unit": u, "person": person}
        other = "deputy" if role == "head" else "head"
        if rng.random() < 0.6 or self.held.get((u, other)) == person:
            ev["role"] = role
        return self.common(ev)

    def split(self) -> Event | None:
        rng = self.rng
        for _ in range(8):
            u = self.alive.pick(rng)
            if self.can_end(u):
                break
        else:
            return None
        keep = rng.random() < 0.2
        nparts = 1 if keep else (2 if rng.random() < 0.8 else 3)
        parts: list[Event] = []
        for i in range(nparts):
            names, kind, sl = self.unit_name()
            part: Event = {"unit": self.new_unit_id(sl), **names}
            if rng.random() < 0.7:
                part["kind"] = kind
            if i == 1 and rng.random() < 0.03:
                part["parent"] = parts[0]["unit"]  # a part under an earlier part
            parts.append(part)
        src_parent = self.parent[u]
        for part in parts:
            self.begin(part["unit"], part.get("parent", src_parent))
        kids = list(self.kids[u])
        mapping: dict[str, str] = {}
        for k in kids:
            if keep and rng.random() < 0.5:
                continue  # a spin-off leaves unmapped children where they are
            mapping[k] = parts[int(rng.random() * nparts)]["unit"]
        for k, p in mapping.items():
            self.reparent(k, p)
        ev: Event = {"type": "split", "date": self.date_text(), "unit": u, "into": parts}
        if mapping:
            ev["children"] = mapping
        if keep:
            ev["keep"] = True
        else:
            self.end(u)
        return self.common(ev)

    def merge(self) -> Event | None:
        rng = self.rng
        for _ in range(8):
            u = self.alive.pick(rng)
            p = self.parent[u]
            if p is None or len(self.kids[p]) < 2 or not self.can_end(u):
                continue
            sibs = [s for s in self.kids[p] if self.can_end(s)]
            if len(sibs) >= 2:
                break
        else:
            return None
        n = 3 if len(sibs) > 3 and rng.random() < 0.15 else 2
        ending = rng.sample(sibs, n)
        others = [s for s in self.kids[p] if s not in ending]
        ev: Event = {"type": "merge", "date": self.date_text(), "units": ending}
        if others and rng.random() < 0.5:
            target = others[int(rng.random() * len(others))]
            ev["into"] = target
        else:
            names, kind, sl = self.unit_name()
            target = self.new_unit_id(sl)
            new: Event = {"unit": target, **names}
            if rng.random() < 0.7:
                new["kind"] = kind
            ev["into"] = new
            self.begin(target, p)
        for e in ending:
            for k in list(self.kids[e]):
                self.reparent(k, target)
        for e in ending:
            self.end(e)
        return self.common(ev)

    def dissolve(self) -> Event | None:
        for _ in range(8):
            u = self.alive.pick(self.rng)
            if self.can_end(u):
                break
        else:
            return None
        ev: Event = {"type": "dissolve", "date": self.date_text(), "unit": u}
        if self.kids[u]:
            # the children go to a sibling when there is one (so they keep their level),
            # else up to the parent
            p = self.parent[u]
            assert p is not None
            sibs = [s for s in self.kids[p] if s != u]
            to = sibs[int(self.rng.random() * len(sibs))] if sibs else p
            ev["children_to"] = to
            for k in list(self.kids[u]):
                self.reparent(k, to)
        self.end(u)
        return self.common(ev)

    def structural(self) -> Event | None:
        rng = self.rng
        target = self.plan.live_units
        grow = min(0.95, max(0.05, 0.5 + (target - len(self.alive)) / (0.04 * target)))
        r = rng.random()
        if rng.random() < grow:
            if r < 0.45:
                return self.establish(self.place())
            return self.split()
        if r < 0.55:
            return self.merge()
        return self.dissolve()

    def churn(self) -> tuple[Event, bool]:
        """One event after the initial build-up, and whether it is recorded late."""
        r = self.rng.random()
        ev: Event | None
        if r < self.late_share:
            late = self.rename(late=True) if r < 0.8 * self.late_share else None
            return late or self.advisor(), True
        if r < 0.27:
            ev = self.rename()
        elif r < 0.37:
            ev = self.move()
        elif r < 0.69:
            ev = self.appoint()
        elif r < 0.79:
            ev = self.step_down()
        else:
            ev = self.structural()
        if ev is None:
            ev = self.rename() or self.advisor()
        return ev, False

    # -- writing ---------------------------------------------------------------------

    def write(self, line: str) -> None:
        self.buf.append(line)
        self.written += 1
        if len(self.buf) >= 4096:
            self.flush()

    def flush(self) -> None:
        """Write the buffered event lines, separated by commas, one event a line."""
        if self.buf:
            self.out.write(("  " if self.written == len(self.buf) else ",\n  ")
                           + ",\n  ".join(self.buf))
            self.buf.clear()

    def emit(self, ev: Event, late: bool) -> None:
        s = self.summary
        s.events += 1
        s.by_type[ev["type"]] = s.by_type.get(ev["type"], 0) + 1
        if "date" in ev and len(ev["date"]) < 10:
            s.partial_dates += 1
        if late:
            s.out_of_order += 1
            ev["recorded"] = self.rng.choice(LATE_RECORDED)
            delay = 1 + int(self.rng.random() * max(1, self.plan.events // 5))
            heapq.heappush(self.pending, (self.written + delay, s.events, self.encode(ev)))
            return
        self.write(self.encode(ev))
        while self.pending and self.pending[0][0] <= self.written:
            self.write(heapq.heappop(self.pending)[2])

    def new_day(self, d: date) -> None:
        self.day = d
        self.touched.clear()
        self.protected.clear()
        full = d.isoformat()
        if d.day == 1 and d.month == 1:
            self.day_forms = (full, full[:7], full[:4])
        elif d.day == 1:
            self.day_forms = (full, full[:7])
        else:
            self.day_forms = (full,)

    def run(self) -> Summary:
        plan = self.plan
        t0 = time.perf_counter()
        self.out.write('{"format": "orgchart/v1",\n'
                       f' "title": {self.encode(f"Synthetic conglomerate ({plan.name}, seed {plan.seed})")},\n'  # noqa: E501
                       f' "recorded": "{DEFAULT_RECORDED}",\n'
                       ' "events": [\n')
        dated = plan.events - plan.retractions
        roots = self.initial_roots
        built = 0
        first: date | None = None
        for d, count in day_quotas(dated, plan.start, LAST_DAY):
            first = first or d
            self.new_day(d)
            for _ in range(count):
                if built < plan.live_units:
                    ev = self.establish(None if built < roots else self.place())
                    late = False
                    built += 1
                else:
                    ev, late = self.churn()
                self.emit(ev, late)
        while self.pending:
            self.write(heapq.heappop(self.pending)[2])
        for i, target in enumerate(self.retract_targets):
            self.emit({"type": "retract", "event": target, "reason": REASONS[i % len(REASONS)],
                       "recorded": RETRACT_RECORDED}, False)
        while self.summary.events < plan.events:  # too few renames were marked: retract more
            self.emit({"type": "retract", "event": self._late_target(),
                       "reason": REASONS[0], "recorded": RETRACT_RECORDED}, False)
        self.flush()
        self.out.write("\n ],\n")
        self.out.write(' "people": {\n' + ",\n".join(
            f"  {self.encode(k)}: {self.encode(v)}" for k, v in self.people.items()) + "},\n")
        self.out.write(' "sources": {\n' + ",\n".join(
            f"  {self.encode(k)}: {self.encode(v)}" for k, v in self.sources.items()) + "}}\n")
        s = self.summary
        s.live_units, s.roots = len(self.alive), len(self.roots)
        s.people, s.sources = len(self.people), len(self.sources)
        s.knowledge_states = 1 + len({*LATE_RECORDED} if s.out_of_order else set()) + \
            (1 if s.by_type.get("retract") else 0)
        s.first_day, s.last_day = (first or plan.start).isoformat(), LAST_DAY.isoformat()
        s.seconds = time.perf_counter() - t0
        return s

    def _late_target(self) -> str:
        raise RuntimeError(f"{self.plan.name}: only {len(self.retract_targets)} renames could be "
                           f"retracted; generate more events")

    # -- the append file --------------------------------------------------------------

    def append_doc(self) -> dict[str, Any]:
        """10 valid events dated after everything else, touching a few existing units."""
        rng = self.rng
        units = sorted(self.alive.items)
        days = [(APPEND_FIRST_DAY + timedelta(days=i)).isoformat() for i in range(10)]
        host = rng.choice(units)
        others = [u for u in units if u != host and not self.within(host, u)]
        renamed = rng.sample(others, 2)
        leaf = next(u for u in rng.sample(others, len(others))
                    if not self.kids[u] and self.parent[u] not in (None, host)
                    and u not in renamed)
        quitter = next((k for k in sorted(self.held_keys.items)
                        if k[0] not in (host, renamed[0], leaf)), None)
        new_id, sub_id = self.new_unit_id("bench-append"), self.new_unit_id("bench-append")
        people = {"bench-append-a": {"name": "沈新", "name_en": "Shen Xin"},
                  "bench-append-b": {"name": "Ada Brandt"},
                  "bench-append-c": {"name": "林晓", "name_en": "Lin Xiao"}}
        src = "bench-append-memo"
        events: list[Event] = [
            {"type": "establish", "date": days[0], "unit": new_id, "name": "新业务孵化中心",
             "name_en": "New Ventures Center", "kind": "center", "parent": host, "source": src},
            {"type": "appoint", "date": days[1], "unit": new_id, "person": "bench-append-a",
             "title": "负责人", "source": src},
            {"type": "rename", "date": days[2], "unit": renamed[0], "name": "增长与体验事业部",
             "name_en": "Growth & Experience BU"},
            {"type": "rename", "date": days[3], "unit": renamed[1],
             "name_en": "Platform Engineering"},
            {"type": "move", "date": days[4], "unit": leaf, "parent": new_id, "source": src},
            {"type": "appoint", "date": days[5], "unit": renamed[0], "person": "bench-append-b",
             "title": "CEO"},
            {"type": "establish", "date": days[6], "unit": sub_id, "name": "孵化实验室",
             "parent": new_id},
            {"type": "appoint", "date": days[7], "unit": new_id, "person": "bench-append-c",
             "role": "deputy", "title": "副总经理"},
            {"type": "rename", "date": days[9], "unit": new_id, "name": "创新业务中心"},
        ]
        if quitter is not None:
            events.insert(8, {"type": "step_down", "date": days[8], "unit": quitter[0],
                              "person": self.held[quitter], "role": quitter[1]})
        else:
            events.insert(8, {"type": "dissolve", "date": days[8], "unit": sub_id})
        return {"format": "orgchart/v1",
                "sources": {src: {"title": "内部邮件:组织调整", "publisher": "内部邮件",
                                  "date": days[0]}},
                "people": people, "events": events}


def generate(plan: Plan, outdir: Path) -> Summary:
    """Write `<name>.json` and `append-<name>.json` under `outdir`; return what was made."""
    outdir.mkdir(parents=True, exist_ok=True)
    path, append_path = outdir / f"{plan.name}.json", outdir / f"append-{plan.name}.json"
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        g = Generator(plan, out)
        s = g.run()
    append_path.write_text(json.dumps(g.append_doc(), ensure_ascii=False, indent=1),
                           encoding="utf-8")
    s.path, s.append_path = str(path), str(append_path)
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="events in the large history (the small one has a tenth)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--outdir", type=Path, required=True)
    ap.add_argument("--only", choices=("small", "large"), default=None)
    args = ap.parse_args(argv)
    for plan in plans(args.events, args.seed):
        if args.only and plan.name != args.only:
            continue
        s = generate(plan, args.outdir)
        print(f"{s.path}: {s.events} events ({s.out_of_order} out of order, "
              f"{s.partial_dates} partial dates), {s.live_units} live units, "
              f"{s.people} people, {s.sources} sources, {s.seconds:.1f}s; "
              f"{dict(sorted(s.by_type.items()))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
