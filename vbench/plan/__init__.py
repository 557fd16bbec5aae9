"""Plan before you run: memory models fitted on a sweep's records, what fits a budget, and
recommendations per hardware profile. Reads stored records only; never imports torch."""
