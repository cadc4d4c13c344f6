"""Dataset protocols: the generic CSV and readers for known datasets, behind `read_protocol`."""

from unmask.evaluation.protocols.base import (
    Protocol,
    ProtocolEntry,
    read_protocol_csv,
    write_protocol_csv,
)
from unmask.evaluation.protocols.registry import READERS, protocol_kinds, read_protocol

__all__ = [
    "READERS",
    "Protocol",
    "ProtocolEntry",
    "protocol_kinds",
    "read_protocol",
    "read_protocol_csv",
    "write_protocol_csv",
]
