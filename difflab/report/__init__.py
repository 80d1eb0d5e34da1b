"""Reports: deterministic matplotlib figures, the computation graph drawn, Markdown and HTML pages.

`figures` (Figure API on Agg, reproducible PNG/SVG), `stats` (slopes and numbers for prose),
`graphs` (the annotated tape as a picture) and `document` (per-run reports and the index).
"""
