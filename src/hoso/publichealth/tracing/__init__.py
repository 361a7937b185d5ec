"""Contact tracing and infection chains (issue 18 point 5), as pure functions.

- `followup`: the visit schedule from the last exposure, re-exposure, visit outcomes,
  the closing rules (completed / lost after a grace period) and round-robin assignment.
- `chains`: connected components of the contact graph, generations F0, F1, … as graph
  distance from the confirmed source (computed at each snapshot, never stored on a row),
  active / inactive, size, duration.
- `indicators`: the tracing indicators of the issue over plain rows.
- `chain_svg`: one chain drawn as SVG, aggregated beyond a node cap.

No SQL and no access decisions here: `hoso.store.publichealth_tracing` and
`hoso.access.publichealth_tracing` do those.
"""
