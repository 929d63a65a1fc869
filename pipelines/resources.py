"""Dagster resources: the configuration file and the warehouse connection, bound once in definitions.py."""

from functools import cache

import dagster as dg

from pulse.config import PulseConfig, load_config


@cache
def _load(path: str) -> PulseConfig:
    return load_config(path)


class PulseSettings(dg.ConfigurableResource):
    """The path of `pulse.yaml`; assets read their settings through it, never from the environment directly."""

    config_path: str

    def load(self) -> PulseConfig:
        return _load(self.config_path)
