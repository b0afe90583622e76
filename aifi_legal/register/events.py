"""The words of the signature register: event kinds and signing methods.

Kept apart from the register itself (ledger.py, with pydantic) so that the command line can
offer them as choices without loading the library.
"""

from __future__ import annotations

import typing
from typing import Literal

# objected: the hospital objected to a sub-processor notice (the reason in `note`, required);
# accepted: it accepted the notice explicitly, or withdrew or resolved its objection.
EventKind = Literal["sent", "signed", "declined", "revoked", "objected", "accepted"]
SIGNATURE_EVENTS = frozenset({"signed", "declined", "revoked"})
Method = Literal["paper", "simple", "advanced", "qualified"]
METHODS: tuple[str, ...] = typing.get_args(Method)
# What becomes of a sub-processor notice (register.notices): sent, objected to, accepted.
NOTICE_EVENTS: tuple[str, ...] = ("sent", "objected", "accepted")
