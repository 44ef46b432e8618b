"""Practitioner records: the columns a file or an API item has, the permissions, one valid row
(:class:`RecordInput`), the compact container of the valid rows (:class:`ValidRows`), the results, and
the parsing of single values.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from ...models import Certification

ADD_PERM = "enablement.add_practitionerrecord"
VIEW_PERM = "enablement.view_practitionerrecord"


COLUMNS = (
    "email",
    "name",
    "partner",
    "certification",
    "training_completed",
    "exam_passed",
    "exam_score",
    "completed_on",
    "expires_on",
    "external_id",
)
REQUIRED_COLUMNS = ("email", "name", "certification", "completed_on")
CRM_COLUMN = "crm_account_id"
BATCH_SIZE = 2000
LOOKUP_CHUNK = 5000  # values per IN (…) lookup (well under SQLite's variable limit)
UPDATE_FIELDS = (
    "partner_id",
    "user_id",
    "full_name",
    "training_completed",
    "exam_passed",
    "exam_score",
    "expires_on",
    "external_id",
)
TRUE = {"1", "true", "yes", "y", "t", "x", "passed", "pass", "completed", "done"}
FALSE = {"", "0", "false", "no", "n", "f", "failed", "fail", "-"}

Progress = Callable[[str, int, int], None]  # (phase: "validating" | "writing", done, total)


@dataclass(slots=True)
class RecordInput:
    """One valid row, ready to write (``row`` is its number in the file or the item's position)."""

    row: int
    email: str
    full_name: str
    partner_id: int
    user_id: int | None
    certification_id: int
    training_completed: bool
    exam_passed: bool
    exam_score: int | None
    completed_on: date
    expires_on: date | None
    external_id: str

    @property
    def key(self) -> tuple[int, str, date]:
        return (self.certification_id, self.email, self.completed_on)


class ValidRows(Sequence[RecordInput]):
    """Valid rows kept compactly until the write: a :class:`RecordInput` per row costs ~500 bytes
    (the object, its strings, dates and ints), a row here ~100 — numbers in typed arrays, the three
    texts UTF-8 encoded in one buffer. Indexing or iterating gives :class:`RecordInput` objects made
    on the fly; :meth:`write_order` gives the order the write wants and :meth:`duplicates` the rows
    repeating an earlier row's natural key, without building them all."""

    def __init__(self) -> None:
        self.rows = array("q")  # row number in the file (or the item's position)
        self.partner = array("q")
        self.user = array("q")  # 0: none
        self.cert = array("q")
        self.completed = array("l")  # date ordinals
        self.expires = array("l")  # 0: none
        self.score = array("b")  # -1: none
        self.flags = array("B")  # 1: training completed, 2: exam passed
        self.text = bytearray()  # e-mail, full name, external id of each row, UTF-8
        self.ends = array("q")  # where each of those three ends in ``text``
        self.key_hash = array("q")  # hash of each row's natural key

    def append(self, r: RecordInput) -> None:
        self.key_hash.append(hash(r.key))
        self.rows.append(r.row)
        self.partner.append(r.partner_id)
        self.user.append(r.user_id or 0)
        self.cert.append(r.certification_id)
        self.completed.append(r.completed_on.toordinal())
        self.expires.append(r.expires_on.toordinal() if r.expires_on else 0)
        self.score.append(-1 if r.exam_score is None else r.exam_score)
        self.flags.append(int(r.training_completed) | int(r.exam_passed) << 1)
        for value in (r.email, r.full_name, r.external_id):
            self.text += value.encode("utf-8", "surrogatepass")
            self.ends.append(len(self.text))

    def __len__(self) -> int:
        return len(self.rows)

    def _str(self, j: int) -> str:
        start = self.ends[j - 1] if j else 0
        return self.text[start : self.ends[j]].decode("utf-8", "surrogatepass")

    def email(self, i: int) -> str:
        return self._str(3 * i)

    def key(self, i: int) -> tuple[int, str, date]:
        """The natural key of valid row ``i`` (as :attr:`RecordInput.key`)."""
        return (self.cert[i], self.email(i), date.fromordinal(self.completed[i]))

    def __getitem__(self, i: int) -> RecordInput:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        flags, score, expires = self.flags[i], self.score[i], self.expires[i]
        return RecordInput(
            row=self.rows[i],
            email=self._str(3 * i),
            full_name=self._str(3 * i + 1),
            partner_id=self.partner[i],
            user_id=self.user[i] or None,
            certification_id=self.cert[i],
            training_completed=bool(flags & 1),
            exam_passed=bool(flags & 2),
            exam_score=None if score < 0 else score,
            completed_on=date.fromordinal(self.completed[i]),
            expires_on=date.fromordinal(expires) if expires else None,
            external_id=self._str(3 * i + 2),
        )

    def __iter__(self) -> Iterator[RecordInput]:
        for i in range(len(self)):
            yield self[i]

    def duplicates(self) -> list[tuple[int, int]]:
        """``(index, index of the first row with the same natural key)`` for every row that repeats
        an earlier row's key, in row order. A bitmap of the key hashes finds the few candidate rows;
        only their keys are compared (no set or dict of every key)."""
        bits = 1 << max(16, (16 * len(self)).bit_length())  # ≥ 16 bits a row: few false candidates
        bitmap, mask = bytearray(bits // 8), bits - 1
        candidates: set[int] = set()
        for h in self.key_hash:
            b = h & mask
            if bitmap[b >> 3] & (1 << (b & 7)):
                candidates.add(h)
            else:
                bitmap[b >> 3] |= 1 << (b & 7)
        del bitmap
        first: dict[tuple[int, str, date], int] = {}
        out: list[tuple[int, int]] = []
        if candidates:
            for i, h in enumerate(self.key_hash):
                if h in candidates:
                    j = first.setdefault(self.key(i), i)
                    if j != i:
                        out.append((i, j))
        return out

    def drop(self, indexes: set[int]) -> None:
        """Remove the rows at ``indexes`` (the others keep their order)."""
        if not indexes:
            return
        kept = ValidRows()
        for i in range(len(self)):
            if i not in indexes:
                kept.append(self[i])
        self.__dict__.update(kept.__dict__)

    def write_order(self) -> array[int]:
        """Indexes sorted by (partner, e-mail, certification, completion date), built one partner at
        a time so no key of every row exists at once."""
        by_partner: dict[int, array[int]] = {}
        for i, pid in enumerate(self.partner):
            by_partner.setdefault(pid, array("l")).append(i)
        order = array("l")
        for pid in sorted(by_partner):
            group = by_partner.pop(pid)
            order.extend(sorted(group, key=lambda i: (self.email(i), self.cert[i], self.completed[i])))
        return order


@dataclass
class Validated:
    records: ValidRows = field(default_factory=ValidRows)
    errors: list[str] = field(default_factory=list)  # one message per row with errors
    total: int = 0


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    record_ids: list[int] = field(default_factory=list)  # created or changed
    partner_ids: set[int] = field(default_factory=set)


@dataclass
class ImportResult(UpsertResult):
    errors: list[str] = field(default_factory=list)
    total: int = 0
    applied: bool = False  # False: the rows had errors and nothing was written

    @property
    def error_count(self) -> int:
        return len(self.errors)


# --- parsing single values ---------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if value not in (0, 1) else bool(value)
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return None


def _date(value: Any) -> date | None:
    """A date from an ISO string or a spreadsheet cell; raises ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if "T" in text or " " in text:
        text = text.replace("T", " ").split(" ")[0]
    return date.fromisoformat(text)


def default_expiry(cert: Certification, completed_on: date) -> date | None:
    if cert.validity_months is None:
        return None
    return completed_on + relativedelta(months=cert.validity_months)


def _chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]
