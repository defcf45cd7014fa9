"""SpiffWorkflow integration: the safe script environment, service functions, and the
runtime that turns a BPMN process into persisted state and inbox tasks (DESIGN.md §7)."""
