"""Whose credentials an audit runs with: the base session, the accounts to audit (assumed roles,
an organization's accounts) and the regions each has enabled."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import boto3
import botocore.session
from botocore.credentials import AssumeRoleCredentialFetcher, CredentialProvider, RefreshableCredentials

from . import aws

ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):role/.+")


def session(profile: str | None):
    """The base credentials' session; botocore's ProfileNotFound when the profile is not configured."""
    return boto3.Session(profile_name=profile)


class _AssumedRole(CredentialProvider):
    """The credentials of an assumed role, refreshed by assuming it again when they near their
    expiry (botocore refreshes 15 minutes ahead), so an audit may outlast the role session."""

    METHOD = "assume-role"

    def __init__(self, base, role_arn: str):
        def sts(service: str, **keys):
            return base.client(service, region_name=base.region_name or "us-east-1", config=aws.CONFIG, **keys)

        fetcher = AssumeRoleCredentialFetcher(sts, base.get_credentials(), role_arn,
                                              extra_args={"RoleSessionName": "ecsinit-lint-audit"})  # fmt: skip
        # The first AssumeRole runs now, so a role that cannot be assumed fails the account at once.
        self.credentials = RefreshableCredentials.create_from_metadata(
            fetcher.fetch_credentials(), fetcher.fetch_credentials, self.METHOD
        )

    def load(self) -> RefreshableCredentials:
        return self.credentials


def _assumed(base, role_arn: str):
    session = botocore.session.Session(profile=base.profile_name if base.profile_name != "default" else None)
    session.get_component("credential_provider").insert_before("env", _AssumedRole(base, role_arn))
    return boto3.Session(botocore_session=session, region_name=base.region_name)


def identity(base) -> dict:
    """GetCallerIdentity of the base credentials: ClientError or BotoCoreError (no credentials)
    when they cannot be used, and nothing can be audited."""
    return base.client("sts", region_name=base.region_name or "us-east-1", config=aws.CONFIG).get_caller_identity()


def accounts(base, me: dict, role_arns: list[str], org_role: str | None) -> Iterator[tuple[str, Callable]]:
    """(account id, session factory) for each account to audit; the base credentials' own account
    when no role is given. With --org-role the caller's own account uses the base credentials.
    The role ARNs match ROLE_ARN."""
    if not role_arns and not org_role:
        yield me["Account"], lambda: base
    for arn in role_arns:
        yield ROLE_ARN.fullmatch(arn).group(1), lambda arn=arn: _assumed(base, arn)
    if org_role:
        partition = me["Arn"].split(":")[1]
        org = base.client("organizations", region_name=base.region_name or "us-east-1", config=aws.CONFIG)
        for page in org.get_paginator("list_accounts").paginate():
            for acct in page["Accounts"]:
                if acct["Status"] != "ACTIVE":
                    continue
                if acct["Id"] == me["Account"]:
                    yield acct["Id"], lambda: base
                else:
                    role = f"arn:{partition}:iam::{acct['Id']}:role/{org_role}"
                    yield acct["Id"], lambda role=role: _assumed(base, role)


def enabled_regions(session) -> list[str]:
    """The regions where ECS is offered and that the account has enabled."""
    ec2 = session.client("ec2", region_name=session.region_name or "us-east-1", config=aws.CONFIG)
    enabled = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    return sorted(enabled & set(session.get_available_regions("ecs")))
