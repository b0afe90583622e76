"""From the data and the clause library to numbered document text, without Word."""
