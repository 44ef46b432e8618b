"""What the enablement pages share."""

from __future__ import annotations

from typing import ClassVar

from channelops.core.listing import ListPage


class OrderedListPage(ListPage):
    """A list page whose default order has several keys (``default_ordering``); a column sort
    (``?sort=``) replaces it."""

    default_ordering: ClassVar[tuple[str, ...]] = ()

    def ordering(self) -> list[str]:
        sortable = {c.key for c in self.get_columns() if c.sort}
        if self.request.GET.get("sort", "").lstrip("-") in sortable or not self.default_ordering:
            return super().ordering()
        return list(self.default_ordering)
