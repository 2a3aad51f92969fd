"""``shopmind-trainers privacy retain``: apply the retention policies (setting
``privacy_retention``).

Registered on the ``privacy`` group by :mod:`shopmind.cli.privacy`.
"""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


@click.command("retain")
@click.option("--dry-run", is_flag=True, help="Only report what would be removed; write nothing.")
@common_options
@audited
def retain_cmd(ctx: Context, dry_run: bool) -> None:
    """Remove rows older than the retention policy (setting privacy_retention, e.g.
    events=90d) from every version of each asset it names, rewriting those versions in place
    and recording it in their amendments. Meant to run daily from cron or a systemd timer."""
    from shopmind.privacy.retention import apply_retention

    report = apply_retention(ctx.workspace(), ctx.settings, dry_run=dry_run)
    data = report.to_dict()

    def text() -> str:
        if not report.policies:
            return "no retention policy: setting privacy_retention is empty; nothing removed"
        verb = "would remove" if dry_run else "removed"
        lines = [
            f"{v.ref}: {verb} {v.rows_removed} of {v.rows_before} rows "
            f"({'version created' if v.rule == 'version_age' else v.rule} before "
            f"{v.cutoff.isoformat(timespec='seconds')}, policy {v.policy})"
            for v in report.versions
        ]
        lines += [f"skipped {s.ref or s.asset}: {s.reason}" for s in report.skipped]
        if dry_run:
            total = (
                f"dry run: {len(report.versions)} of {report.versions_checked} versions would be "
                f"rewritten, {report.rows_removed} rows removed"
            )
        else:
            total = (
                f"{len(report.versions)} of {report.versions_checked} versions rewritten, "
                f"{report.rows_removed} rows removed"
            )
        lines.append(f"{total} ({report.seconds:.1f} s)")
        return "\n".join(lines)

    ctx.emit(data, text)
