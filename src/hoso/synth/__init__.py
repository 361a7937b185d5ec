"""A deterministic synthetic population of Ho Chi Minh City residents, as FHIR R4.

`generate(people, seed, out)` writes Bulk Data NDJSON (one file per resource type), the
ground truth of any injected faults and a manifest; the same (people, seed, faults) give
the same bytes. Everyone is invented: names, CCCD and BHYT numbers follow the real
formats and frequencies (DOMAIN-VN.md), but belong to no one.
"""

from hoso.synth.faults import FAULTS, parse_faults
from hoso.synth.generate import GENERATOR_VERSION, SynthReport, generate

__all__ = ["FAULTS", "GENERATOR_VERSION", "SynthReport", "generate", "parse_faults"]
