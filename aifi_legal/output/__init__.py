"""Writing the documents: atomic files, the manifest and the build."""
