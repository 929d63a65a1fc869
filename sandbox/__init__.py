"""Local stand-ins of the GitHub and PagerDuty REST APIs plus a deterministic sample organisation.

Used by the demo and by tests that drive the real client libraries (PyGithub, python-pagerduty) over real
loopback HTTP(S). Start everything with :func:`start_sandbox`, or from a shell with ``python -m sandbox``.
"""

from sandbox.github_api import GitHubData, GitHubRepoData, GitHubStandIn, secondary_rate_limit_fault
from sandbox.http_base import Fault, RequestRecord
from sandbox.pagerduty_api import PagerDutyData, PagerDutyStandIn, rate_limited_fault
from sandbox.run import Sandbox, start_sandbox
from sandbox.sample_org import (
    DeploymentTruth,
    IncidentTruth,
    SampleOrg,
    SampleTruth,
    TeamSample,
    generate_sample_org,
)

__all__ = [
    "DeploymentTruth",
    "Fault",
    "GitHubData",
    "GitHubRepoData",
    "GitHubStandIn",
    "IncidentTruth",
    "PagerDutyData",
    "PagerDutyStandIn",
    "RequestRecord",
    "SampleOrg",
    "SampleTruth",
    "Sandbox",
    "TeamSample",
    "generate_sample_org",
    "rate_limited_fault",
    "secondary_rate_limit_fault",
    "start_sandbox",
]
