"""Settings, errors, JSON, clock and Vietnamese text: no other hoso imports."""
