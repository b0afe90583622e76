"""Review tools: what changed between two versions (a change report and a redline)."""

# Who a redline's tracked changes are by, unless the caller names someone.
DEFAULT_AUTHOR = "AIFI werkgroep juridisch"
