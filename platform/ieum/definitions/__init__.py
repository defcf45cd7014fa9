"""Declarative content: forms, BPMN processes, unit functions and facility profiles.

``load_registry(roots)`` reads content roots (folders with ``forms/``, ``workflows/bpmn/``,
``unit_functions/`` and ``facility_profiles/``) and installed plug-ins (entry-point group
``ieum.content``), checks them against the meta-schemas in ``schemas/`` and against each
other, and returns an immutable :class:`Registry`, or raises :class:`DefinitionErrors` with
every problem found.
"""

from ieum.definitions.loader import check_content, load_registry
from ieum.definitions.model import (
    ContentSource,
    FacilityProfile,
    FormDef,
    Grant,
    MenuGroup,
    MenuItem,
    Parameter,
    ProcessDef,
    Registry,
    Role,
    Screen,
    UnitFunction,
    UserTaskDef,
)
from ieum.definitions.problems import DefinitionErrors, Problem
from ieum.definitions.reuse import ReuseMatrix, reuse_matrix
from ieum.definitions.sources import PLUGIN_GROUP, default_content_root, package_roots

__all__ = [
    "PLUGIN_GROUP",
    "ContentSource",
    "DefinitionErrors",
    "FacilityProfile",
    "FormDef",
    "Grant",
    "MenuGroup",
    "MenuItem",
    "Parameter",
    "Problem",
    "ProcessDef",
    "Registry",
    "ReuseMatrix",
    "Role",
    "Screen",
    "UnitFunction",
    "UserTaskDef",
    "check_content",
    "default_content_root",
    "load_registry",
    "package_roots",
    "reuse_matrix",
]
