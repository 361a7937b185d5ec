"""The master patient index: one resident, one record.

Every incoming Patient is compared with the residents already stored: an exact current
CCCD first, then a Fellegi–Sunter model over normalised demographics (`comparisons`,
`model`). The same comparison levels run as SQL inside splink for the whole-store batch
(`batch`) and as Python for one record at a time (`online`), with one set of trained
m/u parameters (`model.json`), so a pair scores the same on either path.
"""
