"""Case counts as time series (issue 18 point 3): by disease × ward, district-level
grouping and the city × day and ISO week, by onset or report date, with denominators
for rates per 100,000. Pure: the counts arrive grouped by the database
(`hoso.store.publichealth_series`); this package fills the gaps, groups and divides."""
