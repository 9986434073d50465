"""`ecsinit-lint audit`: lint the task definitions and daemon task definitions of live accounts
through the ECS API.

Accounts and regions run in parallel; within one account-region the describes run concurrently
under the client-side token buckets of `ratelimit`, with botocore's adaptive retries behind them.
Revisions stream through a bounded window and findings go to disk as they are found
(`store`), so memory stays flat however many revisions there are. Only
RegisterTaskDefinition and RegisterDaemonTaskDefinition (`register`, asked for explicitly) write
anything.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import BotoCoreError, ClientError

from .accounts import accounts, enabled_regions
from .aws import AuditError, reason
from .region import Options, Progress, RegionAudit, Result
from .revisions import order

ACCOUNTS_IN_PARALLEL = 4
REGIONS_IN_PARALLEL = 4


def run(base, me: dict, opts: Options, regions: list[str], all_regions: bool, role_arns=(), org_role=None,
        progress: Progress | None = None) -> Result:  # fmt: skip
    """Audit every account and region (`me`: the base credentials' `identity`); everything that
    could not be read lands in `errors`."""
    result, progress = Result(), progress or Progress(False)

    def account(item):
        account_id, session_for = item
        try:
            session = session_for()
            names = enabled_regions(session) if all_regions else regions
        except (ClientError, BotoCoreError) as exc:
            result.add(
                errors=[AuditError(account_id, "-", f"account not audited: {reason(exc)}")], clusters=opts.clusters
            )
            return
        with ThreadPoolExecutor(REGIONS_IN_PARALLEL) as pool:
            list(pool.map(lambda r: RegionAudit(account_id, r, session, opts, result, progress).run(), names))

    try:
        with ThreadPoolExecutor(ACCOUNTS_IN_PARALLEL) as pool:
            list(pool.map(account, accounts(base, me, list(role_arns), org_role)))
    except (ClientError, BotoCoreError) as exc:  # listing the organization's accounts
        result.add(errors=[AuditError(me["Account"], "-", f"organization accounts not all audited: {reason(exc)}")],
                   clusters=opts.clusters)  # fmt: skip
    result.outlines.sort(key=lambda o: order(o.path))
    progress.close()
    return result
