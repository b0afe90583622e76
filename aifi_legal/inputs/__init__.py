"""Reading the inputs: safe YAML, the data model, the data file and the workspace."""
