"""Documents and the clause library checked; findings as data."""
