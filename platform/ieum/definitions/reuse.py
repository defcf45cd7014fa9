"""How much the facility profiles reuse unit functions (seed 002: 608 functions, 83% reuse)."""

from __future__ import annotations

from dataclasses import dataclass

from ieum.definitions.model import Registry


@dataclass(frozen=True)
class ReuseMatrix:
    """Which profile uses which unit function.

    ``unit_functions`` are the units used by at least one profile (the columns), ``matrix``
    has one row of booleans per profile, ``slots`` counts the (profile, unit) pairs, and
    ``reuse_ratio = 1 - len(unit_functions) / slots`` (0.0 without slots). ``unused`` lists
    the loaded unit functions no profile uses. ``fields`` gives, for each profile, the base it
    extends directly (its field, e.g. ``child_base``; ``""`` for a profile without a base).
    """

    profiles: tuple[str, ...]
    unit_functions: tuple[str, ...]
    matrix: tuple[tuple[bool, ...], ...]
    slots: int
    reuse_ratio: float
    unused: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()

    def users(self, unit_id: str) -> tuple[str, ...]:
        """The profiles whose menu has ``unit_id``, in the order of ``profiles``."""
        column = self.unit_functions.index(unit_id)
        return tuple(code for code, row in zip(self.profiles, self.matrix, strict=True)
                     if row[column])

    @property
    def single_use(self) -> dict[str, str]:
        """The unit functions used by one facility type only (type-specific), each with that
        type's code, in column order."""
        users = {unit_id: self.users(unit_id) for unit_id in self.unit_functions}
        return {unit_id: codes[0] for unit_id, codes in users.items() if len(codes) == 1}

    def as_summary(self) -> dict[str, int | float]:
        """The counts and the ratio (rounded to 4 decimals) as a JSON-ready dict."""
        return {
            "profiles": len(self.profiles),
            "unit_functions": len(self.unit_functions),
            "slots": self.slots,
            "reuse_ratio": round(self.reuse_ratio, 4),
        }


def reuse_matrix(registry: Registry) -> ReuseMatrix:
    """The facility-type x unit-function matrix of ``registry`` and its reuse ratio."""
    profiles = tuple(registry.profiles)
    used_by = {code: set(registry.profiles[code].unit_ids) for code in profiles}
    slots = sum(len(units) for units in used_by.values())
    used = set().union(*used_by.values())
    columns = tuple(unit_id for unit_id in registry.unit_functions if unit_id in used)
    matrix = tuple(tuple(unit_id in used_by[code] for unit_id in columns) for code in profiles)
    ratio = 1 - len(columns) / slots if slots else 0.0
    unused = tuple(unit_id for unit_id in registry.unit_functions if unit_id not in used)
    fields = tuple(registry.profiles[code].bases[0] if registry.profiles[code].bases else ""
                   for code in profiles)
    return ReuseMatrix(profiles, columns, matrix, slots, ratio, unused, fields)
