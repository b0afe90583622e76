"""Review tools: what changed between two versions (a change report and a redline)."""
