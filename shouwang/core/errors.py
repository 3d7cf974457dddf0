"""Errors an operator can act on: printed as one line (what happened, what to do), no traceback."""
from __future__ import annotations


class UserError(Exception):
    """An error the user can fix; the CLI prints it without a traceback (``-v`` shows one)."""


class Problems:
    """Every problem of one input file, each naming where it is; raised together before any write."""

    def __init__(self, what: str, redo: str, shown: int = 8):
        # what: the file as people call it ("网格台账 a.xlsx"); redo: the command to run again
        self.what = what
        self.redo = redo
        self.shown = shown
        self.items: list[str] = []

    def add(self, text: str) -> None:
        """Note one problem (its text names file, row and column)."""
        self.items.append(text)

    def raise_if_any(self) -> None:
        """UserError listing the problems, if there are any: nothing has been written yet."""
        if not self.items:
            return
        shown = "；".join(self.items[:self.shown])
        more = (f"；另有 {len(self.items) - self.shown} 处同类问题"
                if len(self.items) > self.shown else "")
        raise UserError(f"{self.what} 未导入（共 {len(self.items)} 处问题，未写入任何数据）："
                        f"{shown}{more}。{self.redo}")
