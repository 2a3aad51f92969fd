"""Data contracts: canonical tables, their fields, types, rules, aliases and tags."""

from shopmind.contracts.fields import FieldSpec, FieldType, TableContract
from shopmind.contracts.tables import CONTRACTS, EVENT_TYPES, contract_for

__all__ = ["CONTRACTS", "EVENT_TYPES", "FieldSpec", "FieldType", "TableContract", "contract_for"]
