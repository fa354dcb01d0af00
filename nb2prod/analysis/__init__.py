"""Static analysis of notebooks: parsing, per-cell facts and the cross-cell dataflow (never runs code)."""
