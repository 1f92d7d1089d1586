"""Labelling the history rows that commands, not people, write.

A change made in the admin is recorded against the signed-in user. A change made by a
command (load_catalogue) has no user, so its history rows carry the command's name as
the change reason instead: the history page then says where the change came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from simple_history.signals import pre_create_historical_record

#: The change reason of the history rows load_catalogue writes.
LOADED = "load_catalogue"


@contextmanager
def change_reason(reason: str) -> Iterator[None]:
    """Give every history row written inside the block ``reason`` as its change reason
    (unless the change already gave one). Meant for management commands: the label
    applies process-wide while the block runs."""

    def label(sender, history_instance, **kwargs) -> None:
        if not history_instance.history_change_reason:
            history_instance.history_change_reason = reason

    pre_create_historical_record.connect(label, weak=False, dispatch_uid=f"reason-{reason}")
    try:
        yield
    finally:
        pre_create_historical_record.disconnect(dispatch_uid=f"reason-{reason}")
