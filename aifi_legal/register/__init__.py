"""The signature register: who signed what, recorded by hand or from signed PDFs."""
