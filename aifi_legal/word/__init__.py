"""Assembled text to DOCX bytes, and a returned DOCX read back as text."""
