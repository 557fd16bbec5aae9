"""GPU hardware profiles (layer 2, no torch): memory, dense throughput per dtype, memory bandwidth,
board power and a typical hourly price of common cards, from ``gpus.yaml`` with a source for every
number (:mod:`vbench.hardware.profiles`)."""

from vbench.hardware.profiles import (
    DTYPES,
    PROFILES_FILE,
    Profile,
    get_profile,
    load_profiles,
    match_profile,
    profiles_version,
    with_prices,
)

__all__ = ["DTYPES", "PROFILES_FILE", "Profile", "get_profile", "load_profiles", "match_profile",
           "profiles_version", "with_prices"]
